"""A small client for Prometheus' HTTP API (``/api/v1/query_range``), on the standard library.

Every failure is a :class:`PrometheusAPIError` saying what went wrong in the user's terms:
the server cannot be reached, answered with an HTTP error, refused the query, timed out, or
returned something that is not a Prometheus API response.
"""

from __future__ import annotations

import json
import math
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ruletest.errors import RuletestError
from ruletest.promql.values import Labels, labels_from
from ruletest.records import record


class PrometheusAPIError(RuletestError):
    code = "capture/api"


@record
class RangeSeries:
    labels: Labels
    points: tuple[tuple[int, float], ...]  # (ms, value)


@record
class Client:
    url: str  # e.g. http://127.0.0.1:9090 (a path prefix is kept)
    timeout_s: float = 30.0
    headers: Mapping[str, str] | None = None

    def _get(self, path: str, params: Mapping[str, str]) -> Any:
        base = self.url.rstrip("/")
        full = f"{base}{path}?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(full, headers={"Accept": "application/json", **(self.headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise PrometheusAPIError(f"{base} answered HTTP {exc.code} {exc.reason}{_api_error(exc.read())}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, socket.timeout | TimeoutError):
                raise PrometheusAPIError(f"{base} did not answer within {self.timeout_s:g}s") from None
            raise PrometheusAPIError(f"cannot reach Prometheus at {base}: {reason}") from None
        except TimeoutError:
            raise PrometheusAPIError(f"{base} did not answer within {self.timeout_s:g}s") from None
        except (OSError, ValueError) as exc:
            raise PrometheusAPIError(f"cannot reach Prometheus at {base}: {exc}") from None
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise PrometheusAPIError(f"{base}{path} did not return a Prometheus API response (not JSON)") from None
        if not isinstance(doc, dict) or doc.get("status") not in ("success", "error"):
            raise PrometheusAPIError(f"{base}{path} did not return a Prometheus API response")
        if doc["status"] == "error":
            raise PrometheusAPIError(f"query failed: {doc.get('errorType', 'error')}: {doc.get('error', '')}")
        return doc.get("data")

    def query_range(self, expr: str, start_ms: int, end_ms: int, step_ms: int) -> list[RangeSeries]:
        data = self._get("/api/v1/query_range", {"query": expr, "start": _seconds(start_ms), "end": _seconds(end_ms),
                                                 "step": _seconds(step_ms)})
        if not isinstance(data, dict) or data.get("resultType") != "matrix" or not isinstance(data.get("result"), list):
            raise PrometheusAPIError(f"unexpected answer to a range query of {expr!r}")
        out = []
        for item in data["result"]:
            try:
                labels = labels_from({str(k): str(v) for k, v in item["metric"].items()})
                points = tuple((round(float(t) * 1000), _float(v)) for t, v in item.get("values", []))
            except (KeyError, TypeError, ValueError, AttributeError):
                raise PrometheusAPIError(f"unexpected series in the answer to {expr!r}") from None
            out.append(RangeSeries(labels, points))
        return out


def _api_error(body: bytes) -> str:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(doc, dict) and doc.get("error"):
        return f": {doc.get('errorType', 'error')}: {doc['error']}"
    return ""


def _float(text: str) -> float:
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    return float(text)


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def parse_time(text: str, now_ms: int) -> int:
    """``2024-05-01T12:00:00Z``, unix seconds, ``now``, or ``now-2h`` / ``-2h`` (before now): milliseconds."""
    from ruletest.durations import DurationError, parse_duration

    s = text.strip()
    if s == "now":
        return now_ms
    s = s.removeprefix("now")
    if s.startswith("-"):
        try:
            return now_ms - parse_duration(s[1:])
        except DurationError:
            pass
    try:
        return round(float(s) * 1000)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise PrometheusAPIError(f"not a time: {text!r} (use RFC 3339, unix seconds, now, or now-DURATION)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return round(when.timestamp() * 1000)


def format_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
