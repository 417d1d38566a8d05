#!/usr/bin/env python3
"""Launch a training job with W&B Launch, then watch it with launchwatch and react to each event.

This is the glue a Python launcher (like the seed's `training/cli.py launch`) copies: `launch_add`
returns the queue item's id, which `launchwatch run ... --var item=<id> --json` follows; every line
launchwatch writes is one JSON event (see the README's "NDJSON events").

    python launch_and_watch.py --entity my-team --project resnet --queue vertex-gpu \
        --docker-image us-docker.pkg.dev/my-project/trainers/resnet:latest

Exit status: launchwatch's (0 succeeded, 1 failed, 2 deadline; see `launchwatch --help`).

Options after `--` go to `launchwatch run` unchanged (for example `--var project=my-gcp-project`,
or the emulator's endpoints in a test).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import uuid

from wandb.sdk.launch import launch_add

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PIPELINE = os.path.join(HERE, "..", "pipelines", "wandb-launch-vertex.json")


def parse_arguments(argv):
    extra = []
    if "--" in argv:
        index = argv.index("--")
        argv, extra = argv[:index], argv[index + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entity", required=True, help="the W&B entity of the queue and the run")
    parser.add_argument("--project", required=True, help="the W&B project the run logs to")
    parser.add_argument("--queue", required=True, help="the launch queue")
    parser.add_argument("--docker-image", required=True, help="the training image")
    parser.add_argument("--name", help="the launch's name (default: the image's name and a random suffix)")
    parser.add_argument("--pipeline", default=DEFAULT_PIPELINE, help="the launchwatch pipeline file")
    parser.add_argument("--launchwatch", default=shutil.which("launchwatch") or "launchwatch",
                        help="the launchwatch executable")
    arguments = parser.parse_args(argv)
    return arguments, extra


def main(argv):
    arguments, extra = parse_arguments(argv)
    image = arguments.docker_image.split("@")[0].split("/")[-1].split(":")[0]
    name = arguments.name or f"{image}-{uuid.uuid4().hex[:6]}"

    queued = launch_add(
        docker_image=arguments.docker_image,
        queue_name=arguments.queue,
        entity=arguments.entity,
        project=arguments.project,
        name=name,
    )
    print(f"queued {name} as item {queued.id} in {arguments.queue}", flush=True)

    command = [
        arguments.launchwatch, "run", arguments.pipeline, "--json",
        "--var", f"item={queued.id}", "--var", f"name={name}",
        "--var", f"entity={arguments.entity}", "--var", f"queue={arguments.queue}",
        "--var", f"wandbProject={arguments.project}",
    ] + extra
    # launchwatch's own messages (warnings, usage errors) go to standard error, which is passed
    # through; standard output carries only events.
    watch = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    for line in watch.stdout:
        event = json.loads(line)
        kind = event["type"]
        if kind == "stage":
            how = "inferred" if event["inferred"] else f"seen by {event['source']}"
            print(f"{event['title']} ({how})", flush=True)
        elif kind == "fact":
            print(f"{event['name']} = {event['value']}", flush=True)
        elif kind == "provider" and event["health"] == "degraded":
            print(f"warning: {event['provider']} does not answer: {event['message']}", flush=True)
        elif kind == "finished":
            detail = event.get("detail") or {}
            message = f": {detail['message']}" if detail.get("message") else ""
            print(f"launch {event['outcome']} after {event['elapsedSeconds']:.1f}s{message}", flush=True)
    return watch.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
