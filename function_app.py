"""The function app: one FunctionApp, one blueprint per capability (see functions/)."""

import azure.functions as func

from functions import consent, donations, health, manage, meta, payments, stories

# Routes are FUNCTION-level (a key) unless they say ANONYMOUS: a new route is never public by accident.
app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (health.bp, stories.bp, donations.bp, payments.bp, meta.bp, consent.bp, manage.bp):
    app.register_functions(blueprint)
