//! The Redis client of the sync: the URL, plus the ACL user and password from wherever the
//! config says (the URL, `redis.username` / `redis.password_file`, or `HLMM_REDIS_PASSWORD`).
//! The password goes into the client and nowhere else: errors name where it came from, never
//! what it is.

use std::fmt;

use redis::IntoConnectionInfo;

use crate::config::{RedisConfig, REDIS_PASSWORD_VAR as PASSWORD_VAR};

/// Why no client could be built. Never carries the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ClientError(String);

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client for `redis`, authenticated as configured (the connection is made later).
pub(super) fn open(redis: &RedisConfig) -> Result<redis::Client, ClientError> {
    open_with(redis, std::env::var(PASSWORD_VAR).ok().filter(|p| !p.is_empty()))
}

/// [`open`] with the password variable's value given.
pub(super) fn open_with(
    redis: &RedisConfig,
    env_password: Option<String>,
) -> Result<redis::Client, ClientError> {
    let url = redis.url.as_deref().ok_or_else(|| ClientError("redis.url is not set".into()))?;
    let info = url
        .into_connection_info()
        .map_err(|e| ClientError(format!("redis.url {}: {:?}", redis.redacted_url(), e.kind())))?;
    let mut settings = info.redis_settings().clone();
    if let Some(user) = &redis.username {
        settings = settings.set_username(user);
    }
    let password = match &redis.password_file {
        Some(path) => Some(read_password(path)?),
        None if settings.password().is_none() => env_password,
        None => None,
    };
    if let Some(password) = password {
        settings = settings.set_password(password);
    }
    redis::Client::open(info.set_redis_settings(settings))
        .map_err(|e| ClientError(format!("redis.url {}: {:?}", redis.redacted_url(), e.kind())))
}

fn read_password(path: &std::path::Path) -> Result<String, ClientError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ClientError(format!("redis.password_file {}: {}", path.display(), e.kind()))
    })?;
    let password = text.lines().next().unwrap_or("").trim().to_owned();
    if password.is_empty() {
        return Err(ClientError(format!("redis.password_file {}: is empty", path.display())));
    }
    Ok(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> RedisConfig {
        RedisConfig { url: Some(url.to_owned()), ..RedisConfig::default() }
    }

    fn auth(client: &redis::Client) -> (Option<String>, Option<String>) {
        let s = client.get_connection_info().redis_settings();
        (s.username().map(str::to_owned), s.password().map(str::to_owned))
    }

    #[test]
    fn the_password_comes_from_the_url_else_the_file_else_the_environment() {
        let file = std::env::temp_dir().join(format!("hlmm-redis-pw-{}", std::process::id()));
        std::fs::write(&file, "from-file\n").expect("write");
        let with_file = RedisConfig {
            password_file: Some(file.clone()),
            username: Some("hlmm".into()),
            ..config("redis://127.0.0.1:6379")
        };
        // (case, config, HLMM_REDIS_PASSWORD, expected (user, password))
        type Case<'a> = (&'a str, RedisConfig, Option<&'a str>, (Option<&'a str>, Option<&'a str>));
        let cases: [Case<'_>; 4] = [
            (
                "url",
                config("redis://u:from-url@127.0.0.1:6379"),
                Some("env"),
                (Some("u"), Some("from-url")),
            ),
            ("file", with_file, Some("env"), (Some("hlmm"), Some("from-file"))),
            ("env", config("redis://127.0.0.1:6379"), Some("env"), (None, Some("env"))),
            ("none", config("redis://127.0.0.1:6379"), None, (None, None)),
        ];
        for (name, redis, env, (user, password)) in cases {
            let client = open_with(&redis, env.map(str::to_owned)).expect(name);
            let (u, p) = auth(&client);
            assert_eq!((u.as_deref(), p.as_deref()), (user, password), "{name}");
        }
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn errors_name_the_source_and_never_the_password() {
        let missing = RedisConfig {
            password_file: Some("/nonexistent/hlmm-redis-password".into()),
            ..config("redis://127.0.0.1:6379")
        };
        let e = open_with(&missing, None).expect_err("no file");
        assert!(e.to_string().starts_with("redis.password_file /nonexistent"), "{e}");
        let bad = config("redis://:s3cret@[::1");
        let e = open_with(&bad, None).expect_err("bad url");
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }
}
