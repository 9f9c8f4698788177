"""Committees: meetings, agendas, case presentations, decisions and minutes (to come). The agenda
pulls what it needs from the selectors of referrals and followups; nothing below writes here."""
