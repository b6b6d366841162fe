"""gradelib: the lab kit's grader core. Tests use the fixtures of grader/conftest.py
(run, start, unit) and the checks in gradelib.expect."""
