"""Reads Cloud Logging entries from the emulator with the official google-cloud-logging client.

Its generated client has no REST transport; the HTTP path is the handwritten one:
`google.cloud.logging.Client(..., _use_grpc=False, client_options={"api_endpoint": URL})`, whose
`list_entries` POSTs `/v2/entries:list` and follows every `nextPageToken` (also across pages that
come with a token and no entries). `list_entries` adds `timestamp>="<24 h ago>"` to a filter that
names no timestamp, written with a `+0000` offset. A bearer token is sent through
`google.oauth2.credentials.Credentials(token=...)` (anonymous credentials send no Authorization
header, which the emulator, like the service, answers with 401).

Environment:
  EMULATOR_URL       the emulator's base URL (http://127.0.0.1:PORT)
  LOGGING_PROJECT    project id
  LOGGING_TOKEN      the bearer token
  LOGGING_FILTER     a filter for the "filtered" listing
  LOGGING_PAGE_SIZE  entries per page

Prints one JSON object on stdout:
  {"all": [entry...], "filtered": [entry...], "descending": [insertId...],
   "badFilter": {"type", "code", "message"}}
where an entry is {"type" (TextEntry/StructEntry), "insertId", "logName", "loggerName", "severity",
"timestamp" (ISO 8601), "payload", "resource": {"type", "labels"}, "labels"}.
"""

import json
import os
import sys

import google.api_core.exceptions
import google.oauth2.credentials
from google.cloud import logging


def describe(entry):
    return {
        "type": type(entry).__name__,
        "insertId": entry.insert_id,
        "logName": entry.log_name,
        "loggerName": entry.logger.name if entry.logger is not None else None,
        "severity": entry.severity,
        "timestamp": entry.timestamp.isoformat() if entry.timestamp else None,
        "payload": entry.payload,
        "resource": {"type": entry.resource.type, "labels": dict(entry.resource.labels or {})}
        if entry.resource
        else None,
        "labels": dict(entry.labels or {}),
    }


def main():
    project = os.environ["LOGGING_PROJECT"]
    credentials = google.oauth2.credentials.Credentials(token=os.environ["LOGGING_TOKEN"])
    client = logging.Client(
        project=project,
        credentials=credentials,
        _use_grpc=False,
        client_options={"api_endpoint": os.environ["EMULATOR_URL"]},
    )
    page_size = int(os.environ.get("LOGGING_PAGE_SIZE", "50"))
    result = {
        "all": [describe(entry) for entry in client.list_entries(page_size=page_size)],
        "filtered": [
            describe(entry)
            for entry in client.list_entries(filter_=os.environ["LOGGING_FILTER"], page_size=page_size)
        ],
        "descending": [
            entry.insert_id
            for entry in client.list_entries(order_by=logging.DESCENDING, page_size=page_size)
        ],
    }
    try:
        list(client.list_entries(filter_="severity>=LOUD"))
        result["badFilter"] = None
    except google.api_core.exceptions.GoogleAPICallError as error:
        result["badFilter"] = {"type": type(error).__name__, "code": error.code, "message": error.message}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
