"""IAM guardrails: a permissions boundary and a path on every role the pipeline causes.

Many organizations deny ``iam:CreateRole`` unless the new role carries their
permissions boundary, and file roles under a path. The construct creates
roles itself (the processor's, AWS Backup's) and aws-cdk-lib adds others for
its own resources; some of those (custom resource providers, log retention)
are singletons that live at stack scope, outside the construct. So the
guardrails are an Aspect, applied to the construct and to whatever it added
at stack scope while it was built (:class:`StackScopeRecorder`): every
``AWS::IAM::Role`` in either gets the boundary and the path, whichever
construct created it. (A singleton that an earlier construct in the same
stack created already is shared, and keeps what that construct applied.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import jsii
from aws_cdk import AspectPriority, Aspects, CfnResource, IAspect, Stack, Token
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from ..validation import Problems

#: IAM's rule for a path: ``/``, or ``/`` + printable ASCII (``!`` to ``~``) + ``/``, at most 512 characters.
ROLE_PATH_PATTERN = re.compile(r"/|/[\u0021-\u007e]+/")
ROLE_PATH_MAX_LENGTH = 512
ROLE_TYPE = "AWS::IAM::Role"


def collect_role_path_problems(role_path: str | None, problems: Problems) -> None:
    """Add a problem unless ``role_path`` is ``None``, a token, or a path IAM accepts."""
    if role_path is None or problems.mistyped("role_path") or Token.is_unresolved(role_path):
        return
    if len(role_path) > ROLE_PATH_MAX_LENGTH or not ROLE_PATH_PATTERN.fullmatch(role_path):
        problems.add(
            f"role_path must be '/' or start and end with '/' around printable ASCII characters without spaces "
            f"(IAM's rule), at most {ROLE_PATH_MAX_LENGTH} characters, e.g. '/platform/shipments/', got {role_path!r}"
        )


@jsii.implements(IAspect)
class RoleGuardrails:
    """An Aspect giving every ``AWS::IAM::Role`` below its scope a permissions boundary and a path.

    It works on the CloudFormation resource, so it reaches the L1 roles of
    custom resource providers as well as ``iam.Role``; a given value replaces
    one set by the role's creator (the construct's settings win below it).

    Args:
        permissions_boundary: The managed policy to set as ``PermissionsBoundary``; ``None`` leaves it alone.
        role_path: The ``Path`` to set; ``None`` leaves it alone.
    """

    def __init__(self, *, permissions_boundary: iam.IManagedPolicy | None, role_path: str | None) -> None:
        self.permissions_boundary = permissions_boundary
        self.role_path = role_path

    def visit(self, node: IConstruct) -> None:
        """Set the boundary and the path when ``node`` is a role's CloudFormation resource."""
        if not (isinstance(node, CfnResource) and node.cfn_resource_type == ROLE_TYPE):
            return
        if self.permissions_boundary is not None:
            node.add_property_override("PermissionsBoundary", self.permissions_boundary.managed_policy_arn)
        if self.role_path is not None:
            node.add_property_override("Path", self.role_path)


class StackScopeRecorder:
    """Records what is added directly below a stack from now on: aws-cdk-lib's stack-scope singletons.

    Create it before building resources, call :meth:`added` after.

    Args:
        scope: Any construct of the stack to watch.
    """

    def __init__(self, scope: IConstruct) -> None:
        self._stack = Stack.of(scope)
        self._before = {child.node.id for child in self._stack.node.children}

    def added(self) -> list[IConstruct]:
        """The stack's children that appeared since this recorder was created."""
        return [child for child in self._stack.node.children if child.node.id not in self._before]


def apply_role_guardrails(
    scopes: Sequence[IConstruct], *, permissions_boundary: iam.IManagedPolicy | None, role_path: str | None
) -> None:
    """Apply :class:`RoleGuardrails` to each of ``scopes`` (nothing when neither setting is given).

    At the default priority: after aws-cdk-lib's own ``PermissionsBoundary``
    Aspect, which a user may apply to the whole stack (it runs at the
    mutating priority, or at the default one on a parent scope, which runs
    first), so the construct's boundary is the one its roles keep.
    """
    if permissions_boundary is None and role_path is None:
        return
    aspect = RoleGuardrails(permissions_boundary=permissions_boundary, role_path=role_path)
    for scope in scopes:
        Aspects.of(scope).add(aspect, priority=AspectPriority.DEFAULT)
