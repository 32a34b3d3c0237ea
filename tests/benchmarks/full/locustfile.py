"""Officers browsing the map, for ``bench_load.py``: it writes the plan, serves the portal and runs
``locust -f locustfile.py --headless --plan PLAN --results RESULTS``; not meant to be run by hand.

Each simulated officer takes one officer of the plan and replays its steps from the step the plan
names: a step is what one action on the map loads (the page with its layer descriptions, the tiles
of a view, a record's page, a filtered list), and 1–3 s of thought follow it. Pages and tiles go
with the officer's session cookie, the list with its API token. A tile the officer already holds
(from the plan, or loaded earlier in the run) is revalidated with ``If-None-Match``, as a browser
does once the tile's 60 s max-age is over.

Success is a 200, or a 304 to a revalidation; no redirect is followed (it would lead to the
login page or to a step the account policy demands, which a map reader must never meet).
Every response is kept as ``[officer, step, kind, path, milliseconds, status, ok]`` (the step
counted from the officer's start) and written as JSON to ``--results`` when locust quits.
"""

import itertools
import json
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

_NEXT_OFFICER = itertools.count()
_RECORDS: list[list[Any]] = []
_PLANS: dict[str, list[dict[str, Any]]] = {}


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--plan", help="the plan JSON written by bench_load.py")
    parser.add_argument("--results", help="where to write every response's kind, time, status")


@events.request.add_listener
def _record(
    name: str, response_time: float, response: Any, exception: Any, context: dict, **_: Any
) -> None:
    status = getattr(response, "status_code", 0) or 0
    where = [context["officer"], context["step"], name, context["path"]]
    _RECORDS.append([*where, round(response_time, 3), status, exception is None])


@events.quitting.add_listener
def _write(environment: Any, **_: Any) -> None:
    Path(environment.parsed_options.results).write_text(json.dumps(_RECORDS), encoding="utf-8")


def _plan(path: str) -> list[dict[str, Any]]:
    if path not in _PLANS:
        _PLANS[path] = json.loads(Path(path).read_text(encoding="utf-8"))
    return _PLANS[path]


class Officer(FastHttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        officers = _plan(self.environment.parsed_options.plan)
        self.index = next(_NEXT_OFFICER) % len(officers)
        self.officer = officers[self.index]
        self.position, self.steps_done = self.officer["start"], 0
        self.etags: dict[str, str] = dict(self.officer["etags"])
        self.has_basemap = False

    @task
    def step(self) -> None:
        for kind, path, auth in self.officer["steps"][self.position]:
            # The browser keeps the basemap for an hour (private, max-age 3600): asked once.
            if kind == "basemap" and self.has_basemap:
                continue
            self.has_basemap |= kind == "basemap"
            self.fetch(kind, path, auth)
        self.position = (self.position + 1) % len(self.officer["steps"])
        self.steps_done += 1

    def fetch(self, kind: str, path: str, auth: str) -> None:
        headers = {"Accept-Language": "zh-hans"}
        if auth == "token":
            headers["Authorization"] = f"Token {self.officer['token']}"
        else:
            headers["Cookie"] = f"sessionid={self.officer['session']}"
        if path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        context = {"officer": self.index, "step": self.steps_done, "path": path}
        with self.client.get(
            path,
            name=kind,
            headers=headers,
            context=context,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code in (200, 304):
                response.success()
                if kind == "tile" and response.headers.get("ETag"):
                    self.etags[path] = response.headers["ETag"]
            else:
                response.failure(f"{kind} {path}: HTTP {response.status_code}")
