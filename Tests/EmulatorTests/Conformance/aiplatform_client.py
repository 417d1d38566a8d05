"""Reads Vertex AI custom jobs from the emulator with the official google-cloud-aiplatform client.

The generated JobServiceClient with its REST transport keeps an `http://` scheme given in
`api_endpoint`, so it talks plain HTTP to the emulator on loopback. A bearer token is sent through
`google.oauth2.credentials.Credentials(token=...)` (anonymous credentials send no Authorization
header, which the emulator, like the service, answers with 401).

Environment:
  EMULATOR_URL     the emulator's base URL (http://127.0.0.1:PORT)
  VERTEX_PROJECT   project id or number
  VERTEX_REGION    region (us-central1)
  VERTEX_FILTER    a server-side list filter
  VERTEX_JOB_ID    a job to get
  VERTEX_MISSING   a job id that does not exist
  VERTEX_TOKEN     the bearer token

Prints one JSON object on stdout:
  {"all": [job...], "pages": N, "filtered": [job...], "job": job, "missing": {"type", "code", "message"}}
where a job is {"name", "displayName", "state", "labels", "error": {"code", "message"} | null,
"createTime", "startTime", "endTime"}.
"""

import json
import os
import sys

import google.api_core.exceptions
import google.oauth2.credentials
from google.cloud import aiplatform_v1


def timestamp(value):
    # proto-plus gives DatetimeWithNanoseconds for a set Timestamp and None for an unset one.
    return value.rfc3339() if value else None


def describe(job):
    error = None
    if job.error.code or job.error.message:
        error = {"code": job.error.code, "message": job.error.message}
    return {
        "name": job.name,
        "displayName": job.display_name,
        "state": job.state.name,
        "labels": dict(job.labels),
        "error": error,
        "createTime": timestamp(job.create_time),
        "startTime": timestamp(job.start_time),
        "endTime": timestamp(job.end_time),
    }


def main():
    env = os.environ
    client = aiplatform_v1.JobServiceClient(
        transport="rest",
        client_options={"api_endpoint": env["EMULATOR_URL"]},
        credentials=google.oauth2.credentials.Credentials(token=env["VERTEX_TOKEN"]),
    )
    parent = f"projects/{env['VERTEX_PROJECT']}/locations/{env['VERTEX_REGION']}"

    # A small page size makes the pager follow nextPageToken.
    pager = client.list_custom_jobs(request={"parent": parent, "page_size": 2})
    pages = list(pager.pages)
    everything = [describe(job) for page in pages for job in page.custom_jobs]

    filtered = [
        describe(job)
        for job in client.list_custom_jobs(request={"parent": parent, "filter": env["VERTEX_FILTER"]})
    ]

    job = describe(client.get_custom_job(name=f"{parent}/customJobs/{env['VERTEX_JOB_ID']}"))

    missing = None
    try:
        client.get_custom_job(name=f"{parent}/customJobs/{env['VERTEX_MISSING']}")
    except google.api_core.exceptions.GoogleAPICallError as error:
        missing = {"type": type(error).__name__, "code": error.code, "message": error.message}

    json.dump(
        {"all": everything, "pages": len(pages), "filtered": filtered, "job": job, "missing": missing},
        sys.stdout,
        sort_keys=True,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
