//! Unit tests of store URL parsing.

use super::*;

fn no_env(_: &str) -> Option<String> {
    None
}

fn aws_env(name: &str) -> Option<String> {
    match name {
        "AWS_ACCESS_KEY_ID" => Some("ENVKEY".into()),
        "AWS_SECRET_ACCESS_KEY" => Some("envsecret".into()),
        "AWS_SESSION_TOKEN" => Some("envtoken".into()),
        "AWS_REGION" => Some("eu-west-1".into()),
        _ => None,
    }
}

fn s3_ok(url: &str, env: &dyn Fn(&str) -> Option<String>) -> S3Config {
    match parse(url, env) {
        Ok(StoreConfig::S3(cfg)) => cfg,
        other => panic!("{url}: {other:?}"),
    }
}

fn err(url: &str) -> String {
    match parse(url, &no_env) {
        Err(BlobError::InvalidConfig(msg)) => msg,
        other => panic!("{url} was accepted: {other:?}"),
    }
}

#[test]
fn file_urls_and_bare_paths_are_local() {
    for (url, path) in [
        ("file:///var/lib/glint", "/var/lib/glint"),
        ("file://./glint-data/images/DFW", "./glint-data/images/DFW"),
        ("glint-data/images", "glint-data/images"),
        ("/srv/images", "/srv/images"),
    ] {
        assert_eq!(
            parse(url, &no_env).unwrap(),
            StoreConfig::Local {
                path: PathBuf::from(path),
                shown: path.into()
            }
        );
    }
    assert!(err("file://").contains("needs a path"));
    assert!(err("").contains("empty"));
    assert!(err("ftp://host/x").contains("unsupported"));
}

#[test]
fn s3_urls_carry_endpoint_region_and_keys() {
    let cfg = s3_ok(
        "s3://images?endpoint=http://127.0.0.1:8333/&region=us-east-2&access_key_id=admin\
         &secret_access_key=a%2Fb+c%3D&allow_http=true",
        &aws_env,
    );
    assert_eq!(cfg.bucket, "images");
    assert_eq!(cfg.prefix, None);
    assert_eq!(cfg.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
    assert_eq!(cfg.region, "us-east-2");
    assert_eq!(cfg.access_key_id, "admin");
    assert_eq!(cfg.secret_access_key, "a/b+c=");
    assert_eq!(
        cfg.session_token, None,
        "the environment's token is not mixed in"
    );
    assert!(cfg.allow_http);
    assert_eq!(cfg.describe(), "s3://images at http://127.0.0.1:8333");
    assert!(!format!("{cfg:?}").contains("a/b+c="));
}

#[test]
fn s3_credentials_and_region_fall_back_to_the_environment() {
    let cfg = s3_ok("s3://glint-images/DFW/", &aws_env);
    assert_eq!(cfg.prefix.as_deref(), Some("DFW"));
    assert_eq!(cfg.access_key_id, "ENVKEY");
    assert_eq!(cfg.secret_access_key, "envsecret");
    assert_eq!(cfg.session_token.as_deref(), Some("envtoken"));
    assert_eq!(cfg.region, "eu-west-1");
    assert_eq!(cfg.endpoint, None);
    assert_eq!(
        cfg.describe(),
        "s3://glint-images/DFW in AWS region eu-west-1"
    );
}

#[test]
fn bad_s3_urls_are_refused_with_a_reason() {
    let keys = "access_key_id=k&secret_access_key=s";
    assert!(err("s3://images").contains("credentials"));
    assert!(err("s3://images?access_key_id=k").contains("both"));
    assert!(err(&format!("s3://images?{keys}&endpoint=http://h:1")).contains("allow_http=true"));
    assert!(err(&format!("s3://images?{keys}&endpoint=h:1")).contains("http:// or https://"));
    assert!(err(&format!("s3://images?{keys}&endpoint=https://h/x")).contains("no path"));
    assert!(err(&format!("s3://images?{keys}&bucket=x")).contains("unknown"));
    assert!(err(&format!("s3://images?{keys}&region=a&region=b")).contains("twice"));
    assert!(err(&format!("s3://images?{keys}&allow_http=yes")).contains("allow_http"));
    assert!(err(&format!("s3://images?{keys}&region=%zz")).contains("percent"));
    assert!(err(&format!("s3://?{keys}")).contains("bucket"));
    assert!(err(&format!("s3://Images?{keys}")).contains("bucket"));
    assert!(err(&format!("s3://images/../x?{keys}")).contains("folder"));
    assert!(err(&format!("s3://images/a//b?{keys}")).contains("folder"));
    let secret = err("s3://images?access_key_id=k&secret_access_key=%zzhidden");
    assert!(!secret.contains("hidden"));
}
