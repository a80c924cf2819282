use super::*;

#[test]
fn coin_names() {
    let cases = [
        ("BTC", true),
        ("kPEPE", true),
        ("1000BONK", true),
        ("xyz:XYZ100", true),
        ("btc", false),
        ("k", false),
        ("kpepe", false),
        ("", false),
        ("PURR/USDC", false),
        ("@107", false),
        ("XYZ:ABC", false),
        (":BTC", false),
        ("BTC-PERP", false),
        ("ABCDEFGHIJKLMNOPQRSTU", false),
    ];
    for (name, valid) in cases {
        assert_eq!(is_valid_coin(name), valid, "{name:?}");
    }
}

#[test]
fn urls() {
    let cases: [(&str, &[&str], &str, bool); 12] = [
        ("https://api.hyperliquid.xyz/info", &["https"], "/info", true),
        ("http://127.0.0.1:3001/info", &["http", "https"], "/info", true),
        ("http://[::1]:3001/info", &["http"], "/info", true),
        ("wss://api.hyperliquid.xyz/ws", &["wss"], "", true),
        ("ws://localhost:3001", &["ws", "wss"], "", true),
        ("http://api.hyperliquid.xyz/info", &["https"], "/info", false),
        ("https://api.hyperliquid.xyz", &["https"], "/info", false),
        ("https:///info", &["https"], "/info", false),
        ("https://host:99999/info", &["https"], "/info", false),
        ("https://user:pw@host/info", &["https"], "/info", false),
        ("https://host/info?x=1", &["https"], "/info", false),
        ("api.hyperliquid.xyz/info", &["https"], "/info", false),
    ];
    for (url, schemes, suffix, valid) in cases {
        assert_eq!(check_url(url, schemes, suffix).is_ok(), valid, "{url}");
    }
}

#[test]
fn addresses() {
    assert!(check_address("0x00000000000000000000000000000000000000aB").is_ok());
    assert!(check_address("0x0000000000000000000000000000000000000000").is_err());
    assert!(check_address("0x123").is_err());
    assert!(check_address("00000000000000000000000000000000000000aa00").is_err());
    assert!(check_address("0x00000000000000000000000000000000000000ag").is_err());
}
