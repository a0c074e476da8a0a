# expect: allow
# Strings that look like persistence or credential paths but are ordinary data.
import logging

log = logging.getLogger("billing.service")
WEEKDAYS = ["mo", "tu", "we", "th", "fr", "sa", "su"]
SECTIONS = ["Web Data Extraction", "Local State Management", "Cookies and Consent"]
PROFILE_FIELDS = {"profile": "public", "shadow_mode": False, "crontab_syntax": "see docs"}

for day in WEEKDAYS:
    log.info("scheduling %s", day)
with open("toc.md", "w") as fh:
    fh.write("\n".join(f"## {title}" for title in SECTIONS))
print(PROFILE_FIELDS)
