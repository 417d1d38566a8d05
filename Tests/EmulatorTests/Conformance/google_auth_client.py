"""google-auth against the emulator's token endpoints: the real library's own requests.

Reads EMULATOR_URL and CREDENTIALS_DIR; writes credential files there that point every request at
the emulator, loads each as google.auth.default() does for GOOGLE_APPLICATION_CREDENTIALS (but with
identity_pool.Credentials.from_file directly: default() would also ask cloudresourcemanager.googleapis.com
for the project id, which is not on loopback), refreshes it, and prints one JSON object: for each
source, the token's first characters or the error.
"""

import json
import os
import sys

import google.auth.transport.requests
from google.auth import identity_pool, impersonated_credentials
from google.oauth2 import service_account

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]


def main():
    emulator = os.environ["EMULATOR_URL"].rstrip("/")
    folder = os.environ["CREDENTIALS_DIR"]
    target = "runner@launchwatch-demo.iam.gserviceaccount.com"
    impersonation = f"{emulator}/v1/projects/-/serviceAccounts/{target}:generateAccessToken"
    request = google.auth.transport.requests.Request()
    results = {}

    subject = os.path.join(folder, "subject.json")
    with open(subject, "w") as f:
        json.dump({"id_token": os.environ["SUBJECT_TOKEN"]}, f)
    files = {
        "external_account": {
            "type": "external_account",
            "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/gh",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": f"{emulator}/v1/token",
            "credential_source": {
                "file": subject,
                "format": {"type": "json", "subject_token_field_name": "id_token"},
            },
        },
        "external_account_impersonated": {
            "type": "external_account",
            "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/gh",
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": f"{emulator}/v1/token",
            "credential_source": {"file": subject, "format": {"type": "json", "subject_token_field_name": "id_token"}},
            "service_account_impersonation_url": impersonation,
            "service_account_impersonation": {"token_lifetime_seconds": 1200},
        },
    }
    for name, info in files.items():
        path = os.path.join(folder, name + ".json")
        with open(path, "w") as f:
            json.dump(info, f)
        try:
            credentials = identity_pool.Credentials.from_file(path, scopes=SCOPES)
            credentials.refresh(request)
            results[name] = {"token": credentials.token[:13]}
        except Exception as error:  # noqa: BLE001 - the error is the result
            results[name] = {"error": f"{type(error).__name__}: {error}"}

    # A service-account key whose token_uri is the emulator: google-auth signs Google's audience.
    key = os.environ.get("SERVICE_ACCOUNT_KEY")
    if key:
        info = json.loads(key)
        info["token_uri"] = f"{emulator}/token"
        try:
            credentials = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
            credentials.refresh(request)
            results["service_account"] = {"token": credentials.token[:13]}
            # And impersonation from it, through the emulator's IAM Credentials.
            impersonated = impersonated_credentials.Credentials(
                source_credentials=credentials, target_principal=target, target_scopes=SCOPES,
                iam_endpoint_override=impersonation)
            impersonated.refresh(request)
            results["impersonated"] = {"token": impersonated.token[:13], "expiry": impersonated.expiry.isoformat()}
        except Exception as error:  # noqa: BLE001
            results["service_account"] = {"error": f"{type(error).__name__}: {error}"}

    print(json.dumps(results))


if __name__ == "__main__":
    sys.exit(main())
