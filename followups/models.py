# Follow-up episodes, weekly progress notes, contact attempts and risk assessments: see its issue.
