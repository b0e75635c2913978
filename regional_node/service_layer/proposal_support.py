"""Small use cases around proposals: uploading an attachment, reading a notification."""

from __future__ import annotations

from sqlalchemy import select

from regional_node.adapters.attachments import StoredAttachment, store_attachment
from regional_node.adapters.orm import Notification, utcnow
from regional_node.adapters.proposal_queries import notification_scope
from regional_node.domain.node_scope import require_overlap
from regional_node.domain.proposals import UPLOADERS
from regional_node.errors import ForbiddenTransition, NotFound
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.roles import Principal


async def upload_attachment(uow: UnitOfWork, principal: Principal, node_region: str,
                            content: bytes, media_type: str,
                            filename: str | None) -> StoredAttachment:
    """Store a file under its SHA-256 (once, however often it is uploaded), audited; only
    for uploaders whose scope meets this node's kab/kota."""
    if principal.role not in UPLOADERS:
        raise ForbiddenTransition(f"role {principal.role} may not upload attachments")
    require_overlap(principal, node_region, "upload attachments")
    stored = await store_attachment(uow.session, content, media_type, filename,
                                    principal.user_id)
    if stored.created:
        uow.audit.record("attachment.store", "attachment", stored.sha256,
                         after={"sha256": stored.sha256, "media_type": stored.media_type,
                                "size_bytes": stored.size_bytes},
                         attachments=(stored.sha256,))
    return stored


async def mark_notification_read(uow: UnitOfWork, principal: Principal,
                                 notification_id: int) -> Notification:
    row = (await uow.session.execute(select(Notification).where(
        Notification.id == notification_id, notification_scope(principal)))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no notification {notification_id} for {principal.user_id}")
    if row.read_at is None:
        row.read_at = utcnow()
    return row
