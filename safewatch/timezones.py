"""The unit's time zone, named once: every time shown, typed, grouped by month or printed in a report is
Vietnam time (UTC+07:00, no daylight saving); times are stored in UTC with their offset."""

from zoneinfo import ZoneInfo

VIETNAM_NAME = "Asia/Ho_Chi_Minh"  # as Elasticsearch's date histograms and the sources' `timezone` spell it
VIETNAM = ZoneInfo(VIETNAM_NAME)
