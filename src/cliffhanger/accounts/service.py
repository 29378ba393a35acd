"""Organisations with hashed API keys; anonymous viewers with signed device tokens."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from cliffhanger.accounts.models import ApiKey, Organisation, Viewer
from cliffhanger.kit.errors import Invalid, Unauthorized
from cliffhanger.kit.security import BadToken, hash_secret, new_api_key, sign, split_api_key, verify

VIEWER_TOKEN_PURPOSE = "viewer"  # noqa: S105 (a MAC domain label, not a secret)


def create_organisation(session: Session, name: str) -> tuple[Organisation, str]:
    """Create an organisation and its first API key; the key is returned once and stored hashed."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("An organisation needs a name of 1 to 200 characters.")
    org = Organisation(name=name)
    session.add(org)
    session.flush()
    key = issue_api_key(session, org)
    return org, key


def issue_api_key(session: Session, org: Organisation, label: str = "default") -> str:
    full, prefix, secret_hash = new_api_key()
    session.add(ApiKey(organisation_id=org.id, prefix=prefix, secret_hash=secret_hash, label=label))
    session.flush()
    return full


def authenticate_api_key(session: Session, key: str) -> Organisation:
    try:
        prefix, secret = split_api_key(key)
    except BadToken as exc:
        raise Unauthorized("The API key is malformed.") from exc
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if (
        row is None
        or row.revoked_at is not None
        or not hmac.compare_digest(row.secret_hash, hash_secret(secret))
    ):
        raise Unauthorized("The API key is not valid.")
    org = session.get(Organisation, row.organisation_id)
    if org is None:
        raise Unauthorized("The API key is not valid.")
    return org


def create_viewer(
    session: Session, signing_key: bytes, locale: str | None = None
) -> tuple[Viewer, str]:
    viewer = Viewer(locale=locale)
    session.add(viewer)
    session.flush()
    return viewer, viewer_token(signing_key, viewer.id)


def viewer_token(signing_key: bytes, viewer_id: str) -> str:
    return sign(signing_key, VIEWER_TOKEN_PURPOSE, {"v": viewer_id})


def authenticate_viewer(session: Session, signing_key: bytes, token: str) -> Viewer:
    try:
        payload = verify(signing_key, VIEWER_TOKEN_PURPOSE, token)
    except BadToken as exc:
        raise Unauthorized("The viewer token is not valid.") from exc
    viewer = session.get(Viewer, str(payload.get("v", "")))
    if viewer is None:
        raise Unauthorized("The viewer token is not valid.")
    return viewer
