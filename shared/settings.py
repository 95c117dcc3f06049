"""Every setting of the function app, read once from environment variables.

Names follow the Functions convention (app settings become environment variables;
`__` separates the parts of an identity-based connection). Local values live in
`local.settings.json` (copied from `local.settings.json.example`); Azure values come
from the app settings that `infra/` writes. Nothing environment-specific is defaulted here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    # Cosmos DB for NoSQL. COSMOS_KEY only for the local emulator; in Azure the managed identity is used.
    cosmos_endpoint: str = Field(validation_alias="COSMOS_ENDPOINT")
    cosmos_key: str | None = Field(default=None, validation_alias="COSMOS_KEY")
    cosmos_database: str = Field(default="secondchance", validation_alias="COSMOS_DATABASE")
    cosmos_container: str = Field(default="stories", validation_alias="COSMOS_CONTAINER")

    # Storage (blob + queue). Locally a connection string; in Azure the identity-based service URIs.
    storage_connection_string: str | None = Field(
        default=None, validation_alias=AliasChoices("AzureWebJobsStorage", "AZUREWEBJOBSSTORAGE")
    )
    storage_blob_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AzureWebJobsStorage__blobServiceUri", "AZUREWEBJOBSSTORAGE__BLOBSERVICEURI"),
    )
    storage_queue_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AzureWebJobsStorage__queueServiceUri", "AZUREWEBJOBSSTORAGE__QUEUESERVICEURI"),
    )
    map_assets_container: str = Field(default="map-assets", validation_alias="MAP_ASSETS_CONTAINER")
    asset_base_url: str | None = Field(default=None, validation_alias="ASSET_BASE_URL")
    asset_sas_minutes: int = Field(default=60, ge=15, le=60, validation_alias="ASSET_SAS_MINUTES")

    # Stripe. Secret key and webhook secrets come from Key Vault references in Azure.
    stripe_secret_key: str | None = Field(default=None, validation_alias="STRIPE_SECRET_KEY")
    stripe_publishable_key: str | None = Field(default=None, validation_alias="STRIPE_PUBLISHABLE_KEY")
    stripe_webhook_secrets: CsvList = Field(default_factory=list, validation_alias="STRIPE_WEBHOOK_SECRETS")
    stripe_api_base: str | None = Field(default=None, validation_alias="STRIPE_API_BASE")
    stripe_js_url: str = Field(default="https://js.stripe.com/v3/", validation_alias="STRIPE_JS_URL")

    # Donations and the public API.
    donation_currencies: CsvList = Field(default_factory=lambda: ["USD", "THB"], validation_alias="DONATION_CURRENCIES")
    cors_allowed_origins: CsvList = Field(default_factory=list, validation_alias="CORS_ALLOWED_ORIGINS")
    story_list_cache_seconds: int = Field(default=10, ge=0, le=300, validation_alias="STORY_LIST_CACHE_SECONDS")
    # Staff sign-in: who puts X-MS-CLIENT-PRINCIPAL on requests after stripping a client's own
    # ("easyauth" in Azure with auth.bicep, "devhost" locally). Anything else: staff routes refuse all.
    staff_sign_in: str = Field(default="off", validation_alias="STAFF_SIGN_IN")
    health_timeout_seconds: float = Field(default=3.0, gt=0, le=30, validation_alias="HEALTH_TIMEOUT_SECONDS")

    # Card-testing defence (shared/defence.py). The two keys come from Key Vault in Azure.
    guard_container: str = Field(default="guard", validation_alias="GUARD_CONTAINER")
    client_hash_key: str | None = Field(default=None, validation_alias="CLIENT_HASH_KEY")
    challenge_hmac_key: str | None = Field(default=None, validation_alias="CHALLENGE_HMAC_KEY")
    challenge_cost: int = Field(default=5000, ge=1, le=1_000_000, validation_alias="CHALLENGE_COST")
    challenge_prefix_hex: int = Field(default=1, ge=0, le=6, validation_alias="CHALLENGE_PREFIX_HEX")
    challenge_attack_prefix_hex: int = Field(default=2, ge=0, le=6, validation_alias="CHALLENGE_ATTACK_PREFIX_HEX")
    challenge_seconds: int = Field(default=300, ge=30, le=3600, validation_alias="CHALLENGE_SECONDS")
    limit_client_per_hour: int = Field(default=5, ge=1, validation_alias="LIMIT_CLIENT_PER_HOUR")
    limit_story_per_hour: int = Field(default=60, ge=1, validation_alias="LIMIT_STORY_PER_HOUR")
    limit_site_per_minute: int = Field(default=30, ge=1, validation_alias="LIMIT_SITE_PER_MINUTE")
    limit_site_per_minute_attack: int = Field(default=6, ge=1, validation_alias="LIMIT_SITE_PER_MINUTE_ATTACK")
    decline_client_per_day: int = Field(default=3, ge=1, validation_alias="DECLINE_CLIENT_PER_DAY")
    decline_card_per_day: int = Field(default=2, ge=1, validation_alias="DECLINE_CARD_PER_DAY")
    decline_intent_max: int = Field(default=3, ge=1, validation_alias="DECLINE_INTENT_MAX")
    attack_declines_per_10_minutes: int = Field(default=10, ge=1, validation_alias="ATTACK_DECLINES_PER_10_MINUTES")
    attack_minutes: int = Field(default=30, ge=1, le=1440, validation_alias="ATTACK_MINUTES")

    @field_validator("stripe_webhook_secrets", "donation_currencies", "cors_allowed_origins", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("donation_currencies")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [v.upper() for v in value]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read on first use (never at import)."""
    return Settings()  # type: ignore[call-arg]
