// A copy of Examples/pipelines/wandb-launch-by-name.json (LaunchCommandTests checks that the two agree).
// swift-format-ignore-file
extension BundledPipeline {
    /// The seed flow followed by the launch's name: `launchwatch launch`'s default pipeline.
    static let byName = ##"""
{
  "$schema": "../pipeline.schema.json",
  "version": 1,
  "name": "W&B Launch -> Vertex AI (by name)",
  "description": "The seed flow for a launch known by its name, which launchwatch launch fixes before it runs the launch command: the queue item whose launch spec has that name (queued, picked up, run id), the Vertex AI job with that display name or carrying the run id label (submitted, running, the error message), the W&B run with that display name. Cloud Logging is read when a failure has no message or Vertex AI does not answer.",
  "variables": {
    "entity": {"description": "The W&B entity of the launch queue and the run."},
    "queue": {"description": "The launch queue."},
    "name": {"description": "The launch spec's name (wandb launch --name; launchwatch launch fixes it), which W&B Launch gives the Vertex AI job as its display name."},
    "wandbProject": {"description": "The W&B project the run logs to."},
    "project": {"description": "The Google Cloud project of the Vertex AI job.", "default": "${env.GOOGLE_CLOUD_PROJECT}"},
    "region": {"description": "The Vertex AI region.", "default": "us-central1"},
    "wandbBaseURL": {"description": "The W&B API.", "default": "https://api.wandb.ai"},
    "vertexEndpoint": {"description": "The Vertex AI API.", "default": "https://us-central1-aiplatform.googleapis.com"},
    "loggingEndpoint": {"description": "The Cloud Logging API.", "default": "https://logging.googleapis.com"},
    "finishOn": {"description": "running (the launch is confirmed) or succeeded (wait for training).", "default": "running"},
    "logSettle": {"description": "Log entries this much older than the newest read are asked for again, so one that arrives out of order is not missed.", "default": "5s"}
  },
  "stages": [
    {"id": "queued", "title": "Queued"},
    {"id": "picked_up", "title": "Picked up by the launch agent"},
    {"id": "submitted", "title": "Submitted to Vertex AI"},
    {"id": "running", "title": "Training running"},
    {"id": "succeeded", "title": "Training succeeded", "outcome": "success"},
    {"id": "failed", "title": "Launch failed", "outcome": "failure"}
  ],
  "providers": [
    {"id": "queue", "type": "wandb-launch",
     "config": {"entity": "${var.entity}", "queue": "${var.queue}", "name": "${var.name}", "runProject": "${var.wandbProject}", "baseURL": "${var.wandbBaseURL}"},
     "schedule": {"every": "1s", "backoff": {"max": "30s"}}},
    {"id": "vertex", "type": "vertex-rest",
     "config": {"project": "${var.project}", "region": "${var.region}", "endpoint": "${var.vertexEndpoint}",
                "match": {"labels": {"wandb-run-id": "${fact.run_id}"}}},
     "schedule": {"every": "1s", "backoff": {"max": "30s"}},
     "map": {"JOB_STATE_PAUSED": "failed", "JOB_STATE_PARTIALLY_SUCCEEDED": "failed"}},
    {"id": "vertex-by-name", "type": "vertex-rest",
     "config": {"project": "${var.project}", "region": "${var.region}", "endpoint": "${var.vertexEndpoint}",
                "match": {"displayName": "${var.name}"}},
     "schedule": {"every": "1s", "backoff": {"max": "30s"}},
     "map": {"JOB_STATE_PAUSED": "failed", "JOB_STATE_PARTIALLY_SUCCEEDED": "failed"}},
    {"id": "run", "type": "wandb-run",
     "config": {"entity": "${var.entity}", "project": "${var.wandbProject}", "run": "${fact.run_id}", "baseURL": "${var.wandbBaseURL}"},
     "schedule": {"every": "2s", "backoff": {"max": "30s"}}},
    {"id": "logs", "type": "cloud-logging",
     "config": {"project": "${var.project}", "endpoint": "${var.loggingEndpoint}", "settle": "${var.logSettle}",
                "filter": "resource.type=\"ml_job\" AND resource.labels.job_id=\"${fact.job_id}\" AND severity>=ERROR"},
     "activate": [{"when": "failureWithoutDetail"}, {"when": "degraded", "providers": ["vertex", "vertex-by-name"]}]}
  ],
  "finish": {"on": ["${var.finishOn}"], "deadline": "20m", "detailWait": "5m"}
}
"""##
}
