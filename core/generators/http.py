"""The HTTP side of remote 3D services, shared by every remote backend.

* :class:`ServiceClient` -- one service account: httpx with timeouts, the API key as a Bearer
  token, a client-side rate limit shared by every process on this machine (pyrate-limiter
  over SQLite), and tenacity retries with exponential backoff and jitter on 429, 5xx and
  connection errors that honour ``Retry-After``. A request that creates a paid task is
  retried only when the service cannot have received it (connection refused, 429, 502-504),
  never after a timeout or a dropped connection: that could pay twice.
* :func:`download_model` -- streams a result file (no API key sent to the CDN), with a size
  cap and content-type check, then validates it as a GLB before it is renamed into place.
* :class:`TaskSlots` -- a cap on tasks in flight per account (Meshy's free tier allows one
  queued task), held as file locks so every process on the machine shares it.

HTTP statuses become typed errors from :mod:`core.errors`; messages carry the service's
``message`` field, never a request header, so keys are never logged or shown.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from core.errors import (
    InvalidModelFile,
    JobCancelled,
    RemoteAuthError,
    RemoteQuotaError,
    RemoteRateLimited,
    RemoteRequestError,
    RemoteServiceError,
    RemoteUnavailable,
)
from core.generators.base import CancelToken

if TYPE_CHECKING:
    from core.config import Settings

log = logging.getLogger("core.remote")

# statuses that mean the request was not processed, so even a task creation may be repeated
NOT_PROCESSED = {429, 502, 503, 504}
BAD_CONTENT_TYPES = ("text/", "application/json", "application/xml")


class TransportError(RemoteUnavailable):
    """A connection failed; ``sent`` tells whether the request may have reached the service."""

    def __init__(self, message: str, hint: str | None = None, *, service: str = "", sent: bool = True):
        super().__init__(message, hint, service=service)
        self.sent = sent


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date, RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_for_status(
    service: str, status: int, message: str, *, key_hint: str, retry_after: float | None = None
) -> RemoteServiceError:
    """The typed error for an HTTP error ``status`` from ``service`` (message from its body)."""
    label = service.capitalize()
    kw = {"service": service, "status": status}
    if status in (401, 403):
        return RemoteAuthError(f"{label} refused the API key ({status}): {message}", key_hint, **kw)
    if status == 402:
        return RemoteQuotaError(
            f"{label} has no credits left on this account (402): {message}",
            f"Top up the {label} account, or configure a fallback backend (GENERATOR_FALLBACKS).",
            **kw,
        )
    if status == 429:
        err = RemoteRateLimited(
            f"{label} is rate limiting this account (429): {message}",
            "Wait a minute, or lower REMOTE_MAX_TASKS / REMOTE_REQUESTS_PER_S; Resume continues the job.",
            **kw,
        )
        err.retry_after = retry_after
        return err
    if status >= 500:
        err = RemoteUnavailable(
            f"{label} had a server error ({status}): {message}",
            "The service is having trouble; Resume retries later and keeps any task already paid for.",
            **kw,
        )
        err.retry_after = retry_after
        return err
    return RemoteRequestError(f"{label} rejected the request ({status}): {message}", **kw)


@lru_cache(maxsize=8)
def _limiter(db_path: str, per_s: float):
    from pyrate_limiter import Limiter, Rate, SQLiteBucket

    rate = Rate(int(per_s), 1000) if per_s >= 1 else Rate(1, int(1000 / per_s))
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    return Limiter(SQLiteBucket.init_from_file([rate], db_path=db_path, use_file_lock=True))


def key_fingerprint(api_key: str) -> str:
    """A short one-way tag of an API key (names the account's lock files; never the key)."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:12]


class ServiceClient:
    """JSON-over-HTTP client of one remote service account.

    Parameters
    ----------
    service : str
        Backend name (``meshy``, ``tripo``): names the rate limit and appears in errors.
    base_url : str
        API root, e.g. ``https://api.meshy.ai``.
    api_key : str
        Sent as ``Authorization: Bearer``; never logged.
    parse_error : callable, optional
        ``(response) -> RemoteServiceError | None`` for service-specific error bodies; the
        generic mapping by status is used when it returns None.
    key_hint : str
        What to do about a refused key (names the setting).
    settings : Settings, optional
        Timeouts, rate limit, retries and the cache folder (default: the settings in force).
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        api_key: str,
        *,
        key_hint: str,
        parse_error: Callable[[httpx.Response], RemoteServiceError | None] | None = None,
        settings: Settings | None = None,
    ) -> None:
        from core.config import get_settings

        s = self.settings = settings or get_settings()
        self.service, self.key_hint, self._parse_error = service, key_hint, parse_error
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "3d-asset-workbench"},
            timeout=httpx.Timeout(s.remote_timeout_s),
            follow_redirects=False,
        )
        self.limiter = _limiter(str(Path(s.cache_dir) / "remote-rate.sqlite"), s.remote_requests_per_s)

    def close(self) -> None:
        self.http.close()

    # --- requests -----------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: dict | None = None,
        files: dict | None = None,
        creates_task: bool = False,
        cancel: CancelToken | None = None,
    ) -> dict:
        """Send one request and return its JSON object body, retrying transient failures.

        ``creates_task`` marks a request that costs credits: it is retried only when the
        service cannot have processed it.

        Raises
        ------
        RemoteAuthError, RemoteQuotaError, RemoteRequestError
            401/403, 402, other 4xx (not retried).
        RemoteRateLimited, RemoteUnavailable
            429 / 5xx / network errors still failing after ``REMOTE_RETRIES`` retries.
        JobCancelled
            ``cancel`` was set while waiting to retry.
        """
        return call_with_retries(
            lambda: self._once(method, path, json, files),
            self.service,
            creates_task=creates_task,
            cancel=cancel,
            settings=self.settings,
        )

    def _once(self, method: str, path: str, json: dict | None, files: dict | None) -> dict:
        self.limiter.try_acquire(self.service, blocking=True)
        try:
            response = self.http.request(method, path, json=json, files=files)
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise TransportError(
                f"Cannot connect to {self.service}: {type(e).__name__}.",
                f"Check the network and {self.service.upper()}_BASE_URL; Resume retries.",
                service=self.service,
                sent=False,
            ) from e
        except httpx.TransportError as e:  # read timeout, dropped connection, protocol error
            raise TransportError(
                f"The connection to {self.service} failed: {type(e).__name__}.",
                "Resume retries. A task being created may still run on the service: check its "
                "dashboard before generating this asset again.",
                service=self.service,
                sent=True,
            ) from e
        if response.status_code >= 400:
            raise self._error(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise RemoteUnavailable(
                f"{self.service} answered {response.status_code} with a body that is not a JSON object.",
                service=self.service,
                status=response.status_code,
            )
        return body

    def _error(self, response: httpx.Response) -> RemoteServiceError:
        if self._parse_error is not None:
            err = self._parse_error(response)
            if err is not None:
                return err
        return error_for_status(
            self.service,
            response.status_code,
            response_message(response),
            key_hint=self.key_hint,
            retry_after=retry_after_s(response.headers.get("Retry-After")),
        )


def call_with_retries(
    call: Callable,
    service: str,
    *,
    creates_task: bool = False,
    cancel: CancelToken | None = None,
    settings: Settings | None = None,
):
    """Run ``call()`` with the retry policy of remote services (``REMOTE_RETRIES`` and
    ``REMOTE_MAX_WAIT_S`` of ``settings``, default: the settings in force): exponential backoff
    with jitter, or the service's Retry-After.

    A call that ``creates_task`` is repeated only when the service cannot have processed it.
    Waiting is cancellable through ``cancel`` (raises ``JobCancelled``).
    """
    import tenacity

    from core.config import get_settings

    s = settings or get_settings()
    backoff = tenacity.wait_exponential_jitter(initial=0.5, max=s.remote_max_wait_s)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(exc, "retry_after", None)
        return min(float(after), s.remote_max_wait_s) if after is not None else backoff(state)

    def sleep(seconds: float) -> None:
        log.info("retrying %s in %.1f s", service, seconds, extra={"backend": service})
        if cancel is None:
            time.sleep(seconds)
        elif cancel.wait(seconds):
            raise JobCancelled("The job was cancelled.", "Resume it to continue where it stopped.")

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda exc: _retryable(exc, creates_task)),
        stop=tenacity.stop_after_attempt(s.remote_retries + 1),
        wait=wait,
        sleep=sleep,
        reraise=True,
    )
    return retrying(call)


def _retryable(exc: BaseException, creates_task: bool) -> bool:
    """Whether ``exc`` may be retried: rate limits always; connection failures and 5xx only
    when the call creates no paid task or the service cannot have received it."""
    if isinstance(exc, TransportError):
        return exc.sent is False or not creates_task
    if isinstance(exc, RemoteRateLimited):
        return True
    if isinstance(exc, RemoteUnavailable):
        return not creates_task or exc.status in NOT_PROCESSED
    return False


def response_message(response: httpx.Response) -> str:
    """The service's own error text (``message``/``error``/``detail``), shortened; never headers."""
    try:
        body = response.json()
    except ValueError:
        body = None
    msg = None
    if isinstance(body, dict):
        msg = body.get("message") or body.get("error") or body.get("detail")
        if isinstance(msg, dict):
            msg = msg.get("message")
    text = str(msg) if msg else (response.reason_phrase or "no details")
    return text[:300]


def download_model(
    url: str,
    dest: Path,
    *,
    service: str,
    max_bytes: int,
    cancel: CancelToken | None = None,
    settings: Settings | None = None,
) -> Path:
    """Download a GLB from ``url`` (a result link of ``service``) to ``dest`` and validate it.

    The file is streamed to ``dest.part`` without the API key (result links are signed CDN
    URLs), checked for content type and ``max_bytes``, parsed as a GLB, then renamed.
    Transient failures are retried like API requests (``settings``: the timeout and retries;
    default: the settings in force).

    Raises
    ------
    InvalidModelFile
        Wrong content type, too large, not a valid GLB.
    RemoteUnavailable, RemoteRequestError
        The link failed (expired links give 403/404).
    """
    from core.config import get_settings
    from core.mesh.textured import read_glb

    if not url.startswith(("https://", "http://")):
        raise InvalidModelFile(f"{service} returned a model link that is not http(s).", service=service)
    s = settings or get_settings()
    part = Path(dest).with_name(Path(dest).name + ".part")

    def fetch() -> None:
        _fetch(url, part, service, max_bytes, cancel, s.remote_timeout_s)

    try:
        call_with_retries(fetch, service, cancel=cancel, settings=s)
        data = part.read_bytes()
        if not data:
            raise InvalidModelFile(f"{service} served an empty model file.", service=service)
        read_glb(data)  # raises InvalidModelFile with the reason
        part.replace(dest)
    finally:
        part.unlink(missing_ok=True)
    return Path(dest)


def _fetch(
    url: str, part: Path, service: str, max_bytes: int, cancel: CancelToken | None, timeout_s: float
) -> None:
    """One attempt: stream ``url`` into ``part``. Connection failures become ``TransportError``
    (``sent`` False when the connection was never made); see :func:`_check_download` and
    :func:`_write_capped` for the rest."""
    with httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=True) as http:
        try:
            with http.stream("GET", url) as r:
                _check_download(r, service, max_bytes)
                _write_capped(r, part, service, max_bytes, cancel)
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise TransportError(
                f"Cannot connect to {service}'s file server.", service=service, sent=False
            ) from e
        except httpx.TransportError as e:
            raise TransportError(
                f"The model download from {service} broke off: {type(e).__name__}.",
                "Resume retries the download.",
                service=service,
                sent=True,
            ) from e


def _check_download(r: httpx.Response, service: str, max_bytes: int) -> None:
    """Refuse a download before its body: an HTTP error status (the typed error of
    :func:`error_for_status`), a text/JSON/XML content type, or a declared length over
    ``max_bytes`` (``InvalidModelFile``)."""
    if r.status_code >= 400:
        raise error_for_status(
            service,
            r.status_code,
            "model download failed",
            key_hint="The result link may have expired: Resume fetches a new one.",
        )
    ctype = r.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype.startswith(BAD_CONTENT_TYPES):
        raise InvalidModelFile(f"{service} served the model as {ctype}, not a GLB.", service=service)
    declared = int(r.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise InvalidModelFile(
            f"The model is {declared / 2**20:.1f} MiB; the limit is {max_bytes / 2**20:.0f} MiB.",
            "Raise REMOTE_MAX_DOWNLOAD_MB or ask for a lower polycount.",
            service=service,
        )


def _write_capped(
    r: httpx.Response, part: Path, service: str, max_bytes: int, cancel: CancelToken | None
) -> None:
    """Write the body to ``part`` in 64 KiB chunks; ``InvalidModelFile`` past ``max_bytes``,
    ``JobCancelled`` when ``cancel`` is set between chunks."""
    size = 0
    with open(part, "wb") as f:
        for chunk in r.iter_bytes(1 << 16):
            size += len(chunk)
            if size > max_bytes:
                raise InvalidModelFile(
                    f"The model is over the {max_bytes / 2**20:.0f} MiB download limit.",
                    "Raise REMOTE_MAX_DOWNLOAD_MB.",
                    service=service,
                )
            f.write(chunk)
            if cancel is not None:
                cancel.raise_if_cancelled()


class TaskSlots:
    """At most ``n`` tasks in flight per service account, across every process here.

    Each slot is a file lock under ``CACHE_DIR/remote-slots/<service>-<key tag>/``; the OS
    frees a slot when its process dies, so a killed job never blocks the account.
    """

    def __init__(self, service: str, api_key: str, n: int, settings: Settings | None = None) -> None:
        """``settings`` give the cache folder (default: the settings in force)."""
        from core.config import get_settings

        cache_dir = (settings or get_settings()).cache_dir
        self.folder = Path(cache_dir) / "remote-slots" / f"{service}-{key_fingerprint(api_key)}"
        self.n = n

    def try_acquire(self):
        """A held ``filelock.FileLock`` (release it when the task ends), or None if all are busy."""
        from filelock import FileLock, Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        for i in range(self.n):
            lock = FileLock(str(self.folder / f"slot{i}.lock"), thread_local=False)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue
            return lock
        return None
