# Committees, meetings, agendas, case presentations and decisions: built by its own issue.
