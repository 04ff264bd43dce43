"""The error bodies the service answers with, word for word (dotoro-api.md §1–§3).

`{"error", "code", "details"?}` from `apps/api/src/lib/errors.ts`, except where an OpenAPI
route's path parameter fails validation: then zod's raw shape (§1).
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import JSONResponse


def error(status: int, message: str, code: str, **extra: Any) -> JSONResponse:
    """The service's usual error body (§1)."""
    return JSONResponse({"error": message, "code": code, **extra}, status_code=status)


def zod_error(field: str, message: str) -> JSONResponse:
    """The raw zod shape a bad parameter of an OpenAPI route gets (§1)."""
    return JSONResponse(
        {
            "success": False,
            "error": {
                "issues": [
                    {
                        "code": "invalid_string",
                        "validation": "uuid",
                        "message": message,
                        "path": [field],
                    }
                ],
                "name": "ZodError",
            },
        },
        status_code=400,
    )


def validation_error(message: str, field: str, problem: str) -> JSONResponse:
    """createValidationError(message, {errors: fieldErrors}) of a plain Hono route (§3.2)."""
    return error(400, message, "VALIDATION_ERROR", details={"errors": {field: [problem]}})


def not_found(resource: str, resource_id: str) -> JSONResponse:
    """createNotFoundError(resource, id): `<resource> with id '<id>' not found` (§3.3)."""
    return error(
        404,
        f"{resource} with id '{resource_id}' not found",
        "NOT_FOUND",
        details={"resource": resource, "id": resource_id},
    )


def job_not_found() -> JSONResponse:
    """The stream route's own 404 for an unknown job, with no details (§3.2)."""
    return error(404, "Job not found", "NOT_FOUND")


def job_access_denied() -> JSONResponse:
    """A job of another set or team (§3.2), or of another user (§3.3)."""
    return error(403, "Access denied to this job", "FORBIDDEN")


def user_id_required() -> JSONResponse:
    """GET /api/v1/jobs/{jobId} without the legacy x-user-id header (§3.3)."""
    return error(401, "User ID required", "UNAUTHORIZED")


def unauthorized() -> JSONResponse:
    """No valid Better-Auth session (§2)."""
    return error(401, "Authentication required", "UNAUTHORIZED")


def team_required() -> JSONResponse:
    return error(
        400,
        "Team ID required. Provide X-Team-Id header or teamId query parameter.",
        "VALIDATION_ERROR",
    )


def team_invalid() -> JSONResponse:
    return error(400, "Invalid team ID format. Must be a valid UUID.", "VALIDATION_ERROR")


def not_a_member() -> JSONResponse:
    return error(403, "Not a member of this team", "FORBIDDEN")


def internal_error() -> JSONResponse:
    return error(500, "Internal server error", "INTERNAL_ERROR", errorId=str(uuid.uuid4()))


def too_many_requests() -> JSONResponse:
    return error(
        429, "Too many requests. Please retry after 1 minute.", "TOO_MANY_REQUESTS", retryAfter=60
    )


def not_found_route(method: str, path: str) -> JSONResponse:
    return error(404, f"Route not found: {method} {path}", "NOT_FOUND")
