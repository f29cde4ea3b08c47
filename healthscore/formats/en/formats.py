"""One date format everywhere, the admin included: "1 Dec 2026", "1 Dec 2026 14:05".

The workspace's own helpers (playbooks/templatetags/hs_ui.py: short_date, due_label) print the
same day-month order and drop the year only when it is the current one. Input formats are left to Django's defaults
(``<input type="date">`` sends YYYY-MM-DD), so parsing is unchanged.
"""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
FIRST_DAY_OF_WEEK = 1
