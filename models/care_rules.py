"""Editing the duty rules (CareRule): an admin changes how often what is due.

Every change is checked with ``duties.check_rule`` before it is written and leaves
an audit-log row with the old and new values.
"""
from __future__ import annotations

import peewee as pw

from models import audit
from models import db as dbmod
from models import rules, scope
from models.duties import RuleError, check_rule
from models.entities import CareRule


def describe(rule: CareRule) -> str:
    """How often, in the words of the plan: 每7天 / 每学期一次 / RRULE."""
    if rule.per_term:
        return "每学期一次"
    if (rule.rrule or "").strip():
        return f"按规则 {rule.rrule}"
    return f"每{rule.interval_days}天"


def update_rule(name: str, *, viewer: scope.Viewer, interval_days: int | None = None, rrule: str | None = None,
                per_term: bool | None = None, active: bool | None = None, contact_kind: str | None = None) -> CareRule:
    """Change one rule; RuleError (message for the user) when the result would not be usable,
    ``ForbiddenError`` unless the viewer may edit rules (``scope.require_rule_editor``)."""
    scope.require_rule_editor(viewer)
    rule = CareRule.get_or_none(CareRule.name == name)
    if rule is None:
        known = "、".join(r.name for r in CareRule.select().order_by(CareRule.sort_order))
        raise RuleError(f"没有这条规则: {name} (现有: {known})")
    before = {f: getattr(rule, f) for f in ("interval_days", "rrule", "per_term", "active", "contact_kind")}
    if contact_kind is not None:
        if contact_kind not in rules.CONTACT_KINDS:
            raise RuleError(f"记录类别应为: {'、'.join(rules.CONTACT_KINDS)}")
        rule.contact_kind = contact_kind
    if interval_days is not None:
        rule.interval_days, rule.rrule, rule.per_term = interval_days, "", False
    if rrule is not None:
        rule.rrule, rule.per_term = rrule.strip(), False
    if per_term is not None:
        rule.per_term = per_term
    if active is not None:
        rule.active = active
    problem = check_rule(rule)
    if problem:
        raise RuleError(problem)
    after = {f: getattr(rule, f) for f in before}
    changed = {f for f in before if before[f] != after[f]}
    if changed:
        with dbmod.write():
            rule.save()
            audit.record("update", "care_rule", rule.id, staff_id=viewer.staff_id,
                         old={f: before[f] for f in changed}, new={f: after[f] for f in changed})
    return rule


def add_rule(name: str, *, contact_kind: str, viewer: scope.Viewer, interval_days: int | None = None,
             rrule: str | None = None, per_term: bool = False, applies_to: str = "all",
             helper_kind: str = "") -> CareRule:
    """A new duty rule (亲情书信 every 30 days, an 爱心妈妈 visit monthly …), after the five of the plan;
    RuleError (message for the user) when it would not be usable or the name is taken;
    ``ForbiddenError`` unless the viewer may edit rules."""
    scope.require_rule_editor(viewer)
    name = (name or "").strip()
    if contact_kind not in rules.CONTACT_KINDS:
        raise RuleError(f"记录类别应为: {'、'.join(rules.CONTACT_KINDS)}")
    rule = CareRule(name=name, contact_kind=contact_kind, interval_days=interval_days,
                    rrule=(rrule or "").strip(), per_term=per_term, applies_to=applies_to,
                    helper_kind=helper_kind or "", active=True)
    problem = check_rule(rule)
    if problem:
        raise RuleError(problem)
    with dbmod.write():
        if CareRule.select().where(CareRule.name == name).exists():
            raise RuleError(f"已有这条规则: {name} (要修改它: guanai rules {name} --every 天数)")
        rule.sort_order = (CareRule.select(pw.fn.MAX(CareRule.sort_order)).scalar() or 0) + 1
        rule.save()
        audit.record("create", "care_rule", rule.id, staff_id=viewer.staff_id,
                     new={f: getattr(rule, f) for f in ("name", "contact_kind", "interval_days", "rrule", "per_term",
                                                        "applies_to", "helper_kind")})
    return rule
