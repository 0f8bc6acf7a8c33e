"""Daily housekeeping across the apps: each app owns what it keeps only for a while and the
function (or command) that forgets it; `purge_expired` here, at the top of the house, runs them
all, so no domain app imports another to clean up after it."""
