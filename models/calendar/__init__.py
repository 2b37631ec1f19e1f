"""行事历 (a package, one module per job): lunar dates and festivals, events with RRULE recurrence, the term plan, attendance, reminders.

No textual here. ``lunar`` < ``display``/``recurrence`` < ``occurrences`` < ``form``/``saving`` <
``attendance``/``reminders``/``plan``; this module re-exports their public names as the calendar API. Lunar dates, festivals and solar terms come from ``lunar_python`` (6tail's
maintained calendar library), imported only when a lunar date is first asked for, so neither
``guanai`` start-up nor the plain commands pay for it.

Events (``models.entities.Event``)
    A *plain* event happens on ``start_date`` (through ``end_date`` when it spans several days).
    A *series* is an event with an RFC 5545 ``rrule`` (python-dateutil reads it, DTSTART is the
    event's ``start_date``); every series must end (UNTIL or COUNT), and its occurrences are
    one day each. An *exception* row (``series`` set, ``occurrence`` = the series date it
    replaces) either cancels that one occurrence (``cancelled``) or replaces it with its own
    fields — possibly on another day. Editing "the whole series" changes the series row;
    exceptions whose occurrence the new rule no longer produces are dropped.

Attendance (``Attendance``) always points at the series (or plain) event and the occurrence's
*original* date, so moving one occurrence or changing the series never loses who took part.

Who may create, change, delete and take attendance is ``models.scope``'s (``require_event``,
``may_change_event``); every write here takes the ``viewer`` and checks it itself.
"""
from __future__ import annotations

from models.calendar.lunar import (  # noqa: F401
    CalendarError,
    DayInfo,
    FESTIVALS,
    LETTER_FESTIVALS,
    LETTER_LEAD_DAYS,
    LUNAR_MAX_YEAR,
    LUNAR_MIN_YEAR,
    TERM_FESTIVALS,
    WEEKDAYS,
    add_months,
    check_lunar_range,
    day_info,
    festival_date,
    festival_full_name,
    month_days,
    month_grid,
)
from models.calendar.display import (  # noqa: F401
    grid_safe,
    weekday_name,
)
from models.calendar.recurrence import (  # noqa: F401
    MAX_COUNT,
    MAX_YEARS,
    RRULE_PRESETS,
    check_series,
    detect_preset,
    parse_series,
    preset_label,
    preset_rrule,
    series_dates,
    split_rrule_end,
)
from models.calendar.occurrences import (  # noqa: F401
    Occurrence,
    by_day,
    day_occurrences,
    occurrences,
)
from models.calendar.form import (  # noqa: F401
    EventForm,
    NOTES_LIMIT,
    ORGANISER_LIMIT,
    PLACE_LIMIT,
    TITLE_LIMIT,
    build_rrule,
    default_until,
    form_from_event,
    form_from_occurrence,
    parse_day,
    parse_time,
    validate_event,
)
from models.calendar.saving import (  # noqa: F401
    EVENT_FIELDS,
    TEXT_FIELDS,
    attendance_count,
    cancel_occurrence,
    create_event,
    delete_event,
    event_owner,
    event_owners,
    save_occurrence,
    update_series,
)
from models.calendar.attendance import (  # noqa: F401
    attendance,
    events_attended,
    set_attendance,
)
from models.calendar.reminders import (  # noqa: F401
    Birthday,
    Reminder,
    birthdays,
    duties_on,
    reminders,
    warm,
)
from models.calendar.plan import (  # noqa: F401
    AUTUMN,
    AUTUMN_TEMPLATE,
    PlanItem,
    SPRING,
    SPRING_TEMPLATE,
    TemplateItem,
    TermDates,
    check_term,
    default_term,
    plan_items,
    save_term,
    saved_term,
    term_containing,
    write_plan,
)
