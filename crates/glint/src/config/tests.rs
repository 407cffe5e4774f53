//! The configuration's loading rules as specs: layers in order, unknown keys refused, every
//! option in the example file.

use super::*;

#[test]
fn defaults_then_file_then_overrides() -> Result<()> {
    let defaults = Config::load(None, &Overrides::default())?;
    assert_eq!(defaults.server.listen, "127.0.0.1:9292");
    assert_eq!(defaults.bootstrap.regions, ["DFW", "IAD", "LON"]);
    assert_eq!(defaults.identity.token_lifetime_secs, 43_200);
    assert_eq!(defaults.identity.token_cache_secs, 5);
    assert_eq!(defaults.lockout(), glint_app::LockoutSettings::default());
    assert_eq!(
        defaults.trusted_proxies()?,
        glint_http::TrustedProxies::none()
    );
    assert!(defaults.database_url().starts_with("sqlite://"));
    assert!(defaults.database_url().contains("glint.db"));

    let dir = tempfile::tempdir()?;
    let file = dir.path().join("glint.toml");
    std::fs::write(
        &file,
        "[server]\nlisten = \"0.0.0.0:8080\"\n[bootstrap]\nregions = [\"ORD\"]\n",
    )?;
    let overrides = Overrides {
        database_url: Some("postgres://db/glint".into()),
        ..Overrides::default()
    };
    let config = Config::load(Some(&file), &overrides)?;
    assert_eq!(config.server.listen, "0.0.0.0:8080");
    assert_eq!(config.bootstrap.regions, ["ORD"]);
    assert_eq!(config.database_url(), "postgres://db/glint");
    Ok(())
}

#[test]
fn logs_are_text_unless_json_is_asked_for_and_nothing_else_is_taken() -> Result<()> {
    let defaults = Config::load(None, &Overrides::default())?;
    assert_eq!(defaults.log.format, LogFormat::Text);
    assert_eq!(defaults.metrics.listen, "");
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("glint.toml");
    std::fs::write(
        &file,
        "[log]\nformat = \"json\"\n[metrics]\nlisten = \"127.0.0.1:9393\"\n",
    )?;
    let config = Config::load(Some(&file), &Overrides::default())?;
    assert_eq!(config.log.format, LogFormat::Json);
    assert_eq!(config.metrics.listen, "127.0.0.1:9393");
    std::fs::write(&file, "[log]\nformat = \"xml\"\n")?;
    let err = Config::load(Some(&file), &Overrides::default()).err();
    assert!(format!("{err:?}").contains("xml"), "{err:?}");
    Ok(())
}

#[test]
fn unknown_keys_are_refused() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("glint.toml");
    std::fs::write(&file, "[server]\nlisen = \"0.0.0.0:8080\"\n")?;
    let err = Config::load(Some(&file), &Overrides::default()).err();
    assert!(format!("{err:?}").contains("lisen"), "{err:?}");
    Ok(())
}

#[test]
fn trusted_proxies_are_addresses_or_ranges_and_must_parse() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("glint.toml");
    std::fs::write(
        &file,
        "[server]\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\n",
    )?;
    let config = Config::load(Some(&file), &Overrides::default())?;
    assert_eq!(
        config.trusted_proxies()?,
        glint_http::TrustedProxies::parse(&["10.0.0.0/8", "192.0.2.7"])
            .map_err(anyhow::Error::msg)?
    );
    std::fs::write(&file, "[server]\ntrusted_proxies = [\"proxy.local\"]\n")?;
    let err = Config::load(Some(&file), &Overrides::default()).err();
    assert!(format!("{err:?}").contains("trusted_proxies"), "{err:?}");
    Ok(())
}

#[test]
fn the_example_file_documents_every_option_and_loads() -> Result<()> {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/glint.example.toml");
    let config = Config::load(Some(&example), &Overrides::default())?;
    assert_eq!(config.server.listen, "127.0.0.1:9292");
    let text = std::fs::read_to_string(&example)?;
    for key in [
        "listen",
        "public_url",
        "data_dir",
        "url",
        "token_lifetime_secs",
        "token_cache_secs",
        "token_cache_entries",
        "lockout_failure_attempts",
        "lockout_duration_secs",
        "trusted_proxies",
        "regions",
        "format",
        "shutdown_grace_secs",
        "reminder_interval_days",
        "reminder_limit",
        "pending_expiry_days",
        "timer_interval_secs",
        "allow_networks",
        "retry_base_secs",
        "retry_max_secs",
        "retry_period_secs",
        "poll_interval_ms",
        "max_endpoints_per_account",
    ] {
        assert!(text.contains(&format!("{key} =")), "example lacks {key}");
    }
    Ok(())
}

#[test]
fn webhooks_reach_public_addresses_and_the_networks_the_operator_allows() -> Result<()> {
    use std::net::IpAddr;
    let defaults = Config::load(None, &Overrides::default())?.webhook_settings("n".into())?;
    let loopback: IpAddr = "127.0.0.1".parse()?;
    assert!(!defaults.networks.permits(loopback));
    assert_eq!(defaults.retry, glint_core::webhook::RetryPolicy::default());
    assert_eq!(defaults.timeout, std::time::Duration::from_secs(10));
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("glint.toml");
    std::fs::write(
        &file,
        "[webhooks]\nallow_networks = [\"127.0.0.1/32\"]\nretry_base_secs = 1\n",
    )?;
    let config = Config::load(Some(&file), &Overrides::default())?;
    let settings = config.webhook_settings("n".into())?;
    assert!(settings.networks.permits(loopback));
    assert!(!settings.networks.permits("10.0.0.1".parse()?));
    assert_eq!(settings.retry.base, std::time::Duration::from_secs(1));
    std::fs::write(&file, "[webhooks]\nallow_networks = [\"intranet\"]\n")?;
    let err = Config::load(Some(&file), &Overrides::default()).err();
    assert!(format!("{err:?}").contains("allow_networks"), "{err:?}");
    Ok(())
}

#[test]
fn web_download_takes_glances_filter_and_its_own_networks() -> Result<()> {
    let defaults = Config::load(None, &Overrides::default())?.image_settings("n".into())?;
    let w = defaults.web_download;
    assert_eq!(
        w.filter,
        glint_core::image::web_download::ImportFilter::default()
    );
    assert!(!w.networks.permits("127.0.0.1".parse()?));
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("glint.toml");
    std::fs::write(
        &file,
        "[web_download]\nallowed_ports = []\nallow_networks = [\"127.0.0.1/32\"]\nread_timeout_secs = 5\ntotal_timeout_secs = 90\n",
    )?;
    let w = Config::load(Some(&file), &Overrides::default())?
        .image_settings("n".into())?
        .web_download;
    assert!(w.filter.allowed_ports.is_empty());
    assert!(w.networks.permits("127.0.0.1".parse()?));
    assert_eq!(w.read_timeout, std::time::Duration::from_secs(5));
    assert_eq!(w.total_timeout, std::time::Duration::from_secs(90));
    std::fs::write(&file, "[web_download]\nallow_networks = [\"lan\"]\n")?;
    let err = Config::load(Some(&file), &Overrides::default()).err();
    assert!(
        format!("{err:?}").contains("web_download.allow_networks"),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_image_cache_lives_in_the_data_folder_unless_told_and_can_be_off() -> Result<()> {
    let data = tempfile::tempdir()?;
    let overrides = Overrides {
        data_dir: Some(data.path().to_path_buf()),
        ..Overrides::default()
    };
    let mut config = Config::load(None, &overrides)?;
    assert!(config.image_cache.enabled);
    assert_eq!(config.image_cache.max_size, 10 << 30);
    assert_eq!(config.image_cache_dir(), data.path().join("image-cache"));
    let cache = config.image_cache().await?.expect("a cache");
    assert_eq!(cache.max_size(), 10 << 30);
    assert!(data.path().join("image-cache/queue").is_dir());

    config.image_cache.dir = data.path().join("elsewhere");
    assert_eq!(config.image_cache_dir(), data.path().join("elsewhere"));
    config.image_cache.enabled = false;
    assert!(config.image_cache().await?.is_none());
    assert!(!data.path().join("elsewhere").exists());
    Ok(())
}

#[test]
fn named_stores_need_exactly_one_default_and_plain_ids() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("glint.toml");
    let fast = dir.path().join("fast");
    let two = format!(
        "[storage.stores.fast]\nurl = \"file://{}/{{region}}\"\ndescription = \"Fast\"\n\
         weight = 100\ndefault = true\n[storage.stores.cheap]\nweight = 5\n",
        fast.display()
    );
    std::fs::write(&file, two)?;
    let config = Config::load(Some(&file), &Overrides::default())?;
    let stores = config.stores()?;
    assert!(stores.is_multi());
    assert_eq!(stores.default_id(), Some("fast"));
    assert_eq!(stores.weight("cheap"), 5);
    assert!(stores.specs()[1].url.contains("stores/cheap/{region}"));

    for (bad, says) in [
        (
            "[storage.stores.a]\n[storage.stores.b]\n",
            "no store is the default",
        ),
        (
            "[storage.stores.a]\ndefault = true\n[storage.stores.b]\ndefault = true\n",
            "several stores are the default",
        ),
        (
            "[storage.stores.os_glance_x]\ndefault = true\n",
            "os_glance_",
        ),
        ("[storage.stores.a]\ndefault = true\nwieght = 1\n", "wieght"),
        (
            "[storage]\nurl = \"file:///x/{region}\"\n[storage.stores.a]\ndefault = true\n",
            "one store per region",
        ),
    ] {
        std::fs::write(&file, bad)?;
        let err = Config::load(Some(&file), &Overrides::default()).err();
        assert!(format!("{err:?}").contains(says), "{bad}: {err:?}");
    }
    Ok(())
}

#[test]
fn without_named_stores_each_region_has_its_one_store() -> Result<()> {
    let config = Config::load(None, &Overrides::default())?;
    let stores = config.stores()?;
    assert!(!stores.is_multi());
    assert!(stores.specs().is_empty());
    Ok(())
}
