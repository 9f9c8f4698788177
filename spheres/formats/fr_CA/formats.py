# Django's own fr_CA formats write the time as "H h i" with the "h" unescaped, so the admin shows
# "26 novembre 2026, 03 03 59" (hour, 12-hour hour, minutes). The same formats, "h" escaped.
DATE_FORMAT = "j F Y"  # 31 janvier 2024
TIME_FORMAT = "H\xa0\\h\xa0i"  # 13 h 40
DATETIME_FORMAT = "j F Y, H\xa0\\h\xa0i"  # 31 janvier 2024, 13 h 40
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H\xa0\\h\xa0i"
FIRST_DAY_OF_WEEK = 0  # dimanche
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
