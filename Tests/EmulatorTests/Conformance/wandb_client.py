"""Reads W&B runs and a queued run's item from the emulator with the official `wandb` client.

`wandb.Api(api_key=..., overrides={"base_url": EMULATOR_URL})` sends its GraphQL through wandb-core
to the emulator. The client is isolated from the machine: its directories and HOME are a fresh
temporary directory, and a proxy that accepts nothing stands in for every host but loopback, so a
request that is not for the emulator fails instead of reaching the network.

Environment:
  EMULATOR_URL    the emulator's base URL (http://127.0.0.1:PORT)
  WANDB_KEY       the API key (40 characters, as the client requires)
  WANDB_ENTITY    the entity
  WANDB_PROJECT   the project of the runs
  WANDB_FILTERS   a runs filter (JSON)
  WANDB_RUN       a run id to read
  WANDB_QUEUE     a run queue (in the entity's model-registry project)
  WANDB_ITEM      a run queue item id on it
  WANDB_PUSH_QUEUE  a queue to push a launch spec to, with the launch API
  WANDB_ITEM_ONLY   when set, only read the queued run's item (for a server without
                    runQueueItem(id:), where the client falls back to listing the queue's items)

Prints one JSON object on stdout:
  {"viewer": {"username", "entity"}, "filtered": [run...], "all": [run...], "runCount": N,
   "run": run, "missingRun": "<exception type>", "item": {"state", "runId"}, "queueItems": [id...],
   "pushed": {"id", "state", "spec"}, "badKey": "<exception type>"}
where a run is {"id", "name", "state", "config", "summary", "tags", "createdAt"}.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile


def isolate():
    root = tempfile.mkdtemp(prefix="wandb-conformance-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for name, sub in [
        ("HOME", ""),
        ("WANDB_DIR", "runs"),
        ("WANDB_CONFIG_DIR", "config"),
        ("WANDB_CACHE_DIR", "cache"),
        ("WANDB_DATA_DIR", "data"),
        ("WANDB_ARTIFACT_DIR", "artifacts"),
    ]:
        path = os.path.join(root, sub)
        os.makedirs(path, exist_ok=True)
        os.environ[name] = path
    os.environ["NETRC"] = os.path.join(root, "netrc")
    os.environ["WANDB_SILENT"] = "true"
    os.environ["WANDB_ERROR_REPORTING"] = "false"
    os.environ["WANDB_DISABLE_CODE"] = "true"
    os.environ["WANDB_DISABLE_GIT"] = "true"
    os.environ.pop("WANDB_API_KEY", None)
    os.environ.pop("WANDB_BASE_URL", None)
    # Anything but loopback goes to a port where nothing listens.
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"]:
        os.environ[name] = "http://127.0.0.1:9"
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def describe(run):
    return {
        "id": run.id,
        "name": run.name,
        "state": run.state,
        "config": dict(run.config),
        "summary": dict(run.summary),
        "tags": list(run.tags),
        "createdAt": run.created_at,
    }


def exception_name(call):
    try:
        call()
    except Exception as error:  # the type is what the test reads
        return type(error).__name__
    return None


def main():
    isolate()
    import wandb
    from wandb.apis.public import QueuedRun
    from wandb.sdk.launch.api import LaunchApi

    env = os.environ
    url, key, entity, project = env["EMULATOR_URL"], env["WANDB_KEY"], env["WANDB_ENTITY"], env["WANDB_PROJECT"]
    api = LaunchApi(api_key=key, overrides={"base_url": url})
    if env.get("WANDB_ITEM_ONLY"):
        queued = api.queued_run(entity, project, env["WANDB_QUEUE"], env["WANDB_ITEM"], project_queue="model-registry")
        item = queued._get_item()
        json.dump({"item": {"state": queued.state, "runId": item["associatedRunId"] if item else None}}, sys.stdout)
        return
    viewer = api.viewer
    result = {"viewer": {"username": viewer.username, "entity": viewer.entity}}

    filtered = api.runs(f"{entity}/{project}", filters=json.loads(env["WANDB_FILTERS"]), order="+created_at")
    result["filtered"] = [describe(run) for run in filtered]
    # One run per page: the client follows the cursors to the end.
    everything = api.runs(f"{entity}/{project}", order="-created_at", per_page=1)
    result["all"] = [run.id for run in everything]
    result["runCount"] = len(everything)

    result["run"] = describe(api.run(f"{entity}/{project}/{env['WANDB_RUN']}"))
    result["missingRun"] = exception_name(lambda: api.run(f"{entity}/{project}/doesnotexist"))

    queued = api.queued_run(entity, project, env["WANDB_QUEUE"], env["WANDB_ITEM"], project_queue="model-registry")
    item = queued._get_item()
    result["item"] = {"state": queued.state, "runId": item["associatedRunId"] if item else None}
    result["queueItems"] = [queued_run.id for queued_run in api.run_queue(entity, env["WANDB_QUEUE"]).items]

    spec = {"name": "conformance-push", "entity": entity, "project": project, "resource": "gcp-vertex"}
    pushed = api.push_to_run_queue_by_name(entity, "model-registry", env["WANDB_PUSH_QUEUE"], json.dumps(spec), None)
    pushed_run = QueuedRun(
        api._service_api, entity, project, env["WANDB_PUSH_QUEUE"], pushed["runQueueItemId"],
        project_queue="model-registry",
    )
    result["pushed"] = {"id": pushed["runQueueItemId"], "state": pushed_run.state, "spec": pushed["runSpec"]}

    result["badKey"] = exception_name(lambda: wandb.Api(api_key="f" * 40, overrides={"base_url": url}))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
