#!/usr/bin/env python3
"""A launchwatch `command` provider: the Vertex AI custom job that carries a W&B run id label, read
with the official google-cloud-aiplatform client (REST transport).

Each run prints at most one line of the command line protocol (see ../../README.md, "Writing a
provider", and command-line.schema.json):

  {"status": "JOB_STATE_FAILED", "at": "...", "subject": "projects/.../customJobs/42",
   "detail": {"message": "Replicas low on disk ...", "code": "8"}, "facts": {"job_id": "42"}}

No line means no job carries the label yet. Anything that goes wrong is a message on stderr and a
non-zero exit, which launchwatch reports as this provider's error (and the watch goes on).

Arguments:
  --project P     the Google Cloud project
  --region R      the job's region (us-central1)
  --run-id ID     the W&B run id, the job's `wandb-run-id` label
  --endpoint URL  the Vertex AI API (default https://R-aiplatform.googleapis.com); an http:// URL on
                  loopback points it at an emulator

Credentials: the bearer token in GOOGLE_OAUTH_ACCESS_TOKEN when it is set (as `gcloud auth
print-access-token` gives one), else Application Default Credentials.
"""

import argparse
import json
import os
import sys

import google.api_core.exceptions
import google.auth
import google.oauth2.credentials
from google.cloud import aiplatform_v1


def credentials():
    token = os.environ.get("GOOGLE_OAUTH_ACCESS_TOKEN")
    if token:
        return google.oauth2.credentials.Credentials(token=token)
    found, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
    return found


def observation(job):
    line = {
        "status": job.state.name,
        "subject": job.name,
        "facts": {"job_id": job.name.rsplit("/", 1)[-1]},
    }
    # proto-plus gives a DatetimeWithNanoseconds for a set Timestamp, None for an unset one.
    if job.update_time:
        line["at"] = job.update_time.rfc3339()
    if job.error.message:
        line["detail"] = {"message": job.error.message, "code": str(job.error.code)}
    return line


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--endpoint")
    args = parser.parse_args()

    client = aiplatform_v1.JobServiceClient(
        transport="rest",
        client_options={"api_endpoint": args.endpoint or f"https://{args.region}-aiplatform.googleapis.com"},
        credentials=credentials(),
    )
    parent = f"projects/{args.project}/locations/{args.region}"
    # Server-side filter on the label: the job of *this* launch, never "the newest one".
    label = f'labels.wandb-run-id="{args.run_id}"'
    try:
        jobs = list(client.list_custom_jobs(request={"parent": parent, "filter": label}))
    except google.api_core.exceptions.GoogleAPICallError as error:
        print(f"Vertex AI refused the job list ({error.code}): {error.message}", file=sys.stderr)
        return 1
    if not jobs:
        return 0
    if len(jobs) > 1:
        names = ", ".join(job.name for job in jobs)
        print(f"{len(jobs)} jobs carry {label}; cannot tell which is this launch: {names}", file=sys.stderr)
        return 1
    print(json.dumps(observation(jobs[0])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
