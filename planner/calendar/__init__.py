"""Visit calendars: who visits which account on which day, in which order, at what time.

Data flows one way: inputs (`build.load_inputs`) -> one periodic visit planning problem per
manager (`build.build_manager`) -> the shared engine (`planner.pvrp.search`) -> dated visits
(`visits`) -> visits.csv, .ics, summary.json (`output`); `check.check_calendar` validates any
visits.csv against the same inputs.
"""
