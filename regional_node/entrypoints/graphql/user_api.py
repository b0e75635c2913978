"""The node's user accounts for Dinas Sosial (docs/web.md, "Dinas Sosial"): the users of the
kab/kota, and enabling or disabling an operator's or a pendamping's login. Adding a user stays
with the node's console (``siks node user add``), where the password is typed."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from regional_node.adapters.orm import UserAccount
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.mutations import _run
from regional_node.service_layer.users import set_user_active, users_in_scope


@strawberry.type(description="A person who logs in at this node")
class NodeUser:
    username: str
    role: str
    scope: str | None = strawberry.field(description="The desa, kecamatan or kab/kota code")
    active: bool = strawberry.field(description="False: the login is disabled")
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: UserAccount) -> NodeUser:
        return cls(username=row.username, role=row.role, scope=row.region, active=row.active,
                   created_at=row.created_at)


@strawberry.type
class UserQuery:
    @strawberry.field(description="The node's users whose scope lies in your region, by "
                                  "username (Dinas Sosial)")
    async def users(self, info: Info[NodeContext, None]) -> list[NodeUser] | None:
        rows = await users_in_scope(info.context.database, info.context.principal)
        return [NodeUser.from_row(row) for row in rows]


@strawberry.type
class UserMutation:
    @strawberry.mutation(description="Enable or disable the login of an operator or a "
                                     "pendamping in your region (Dinas Sosial; audited)")
    async def set_user_active(self, info: Info[NodeContext, None], username: str,
                              active: bool) -> NodeUser | None:
        row = await _run(info.context, set_user_active, username, active)
        return NodeUser.from_row(row)
