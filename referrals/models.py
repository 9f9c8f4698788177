# Referral intake, screening, admission, youth IDs, assignment and consent: see the referral issue.
