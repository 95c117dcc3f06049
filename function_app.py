"""The function app: one FunctionApp, one blueprint per capability (see functions/)."""

import azure.functions as func

from functions import consent, donations, health, meta, payments, stories

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (health.bp, stories.bp, donations.bp, payments.bp, meta.bp, consent.bp):
    app.register_functions(blueprint)
