"""A test run again, once, when what broke it was the platform's and not the
program's: under Wine, a failure of Wine's own server (gradelib.platform.wine,
SERVER_FAILED), which ends every Wine process at once, the programs of the tests then
running among them (docs/platform-differences.md, "Wine's server fails now and then")."""
from _pytest.runner import runtestprotocol

# The user property a report of the test's second run carries: the line in which the
# platform failed.
NOTE = "platform_failed"


def protocol(item, nextitem, failures, restart, run=runtestprotocol):
    """Runs ITEM as pytest does, and logs its reports. FAILURES() gives the lines in
    which the platform failed since it was last asked; after any, RESTART() readies
    the platform anew, and a test that failed is run again, once: its second run's
    reports are the ones logged, each noting the first line."""
    ihook = item.ihook
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    reports = run(item, nextitem=nextitem, log=False)
    seen = failures()
    if seen:
        restart()
        if any(report.failed for report in reports):
            reports = run(item, nextitem=nextitem, log=False)
            for report in reports:
                report.user_properties.append((NOTE, seen[0]))
    for report in reports:
        ihook.pytest_runtest_logreport(report=report)
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True


def summary(reports):
    """The lines the grade ends with when tests were run again (REPORTS: those logged
    with a NOTE), or none."""
    again = {}
    for report in reports:
        for key, value in report.user_properties:
            if key == NOTE:
                again.setdefault(report.nodeid, value)
    if not again:
        return []
    first = next(iter(again.values()))
    return [f"Wine's server failed during {len(again)} test(s) and ended their programs "
            f"({first}): a fault of Wine, not of the programs. Each was run again, and "
            "graded by its second run: " + ", ".join(sorted(n.split("::")[-1] for n in again))]
