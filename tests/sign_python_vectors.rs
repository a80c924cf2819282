//! The official Python SDK's signing vectors (`hyperliquid-python-sdk` `tests/signing_test.py`):
//! they cover what the Rust SDK 0.6.0 cannot produce (`scheduleCancel`, a vault address) and
//! its JSON form of `r`/`s` (minimal hex), with another key and nonce 0.

use hlmm::types::Address;
use hlmm::types::{AssetId, Cloid};
use hlmm::wire::action::{
    ActionRef, Grouping, Limit, OrderType, OrderWire, Tif, Tpsl, Trigger, WireNum,
};
use hlmm::wire::keys::AgentKey;
use hlmm::wire::sign::{action_hash, agent_digest, sign_l1_action, Chain, Signature};

const PY_KEY: &str = "0x0123456789012345678901234567890123456789012345678901234567890123";

fn num(s: &str) -> WireNum {
    WireNum::new(s).expect("num")
}

fn sign(msgpack: &[u8], vault: Option<Address>, chain: Chain) -> Signature {
    let key = AgentKey::from_hex(PY_KEY).expect("key");
    sign_l1_action(&key, &agent_digest(&action_hash(msgpack, 0, vault, None), chain)).expect("sign")
}

fn sign_action(action: ActionRef<'_>, chain: Chain) -> Signature {
    let mut buf = Vec::new();
    action.write_msgpack(&mut buf);
    sign(&buf, None, chain)
}

/// The signature as the Python SDK returns it: `{"r": "0x…", "s": "0x…", "v": n}`.
fn py_json(sig: Signature) -> serde_json::Value {
    serde_json::to_value(sig).expect("json")
}

fn expect(r: &str, s: &str, v: u8) -> serde_json::Value {
    serde_json::json!({"r": r, "s": s, "v": v})
}

fn eth_100_gtc(cloid: Option<Cloid>, order_type: OrderType) -> OrderWire {
    OrderWire {
        asset: AssetId(1),
        is_buy: true,
        px: num("100"),
        sz: num("100"),
        reduce_only: false,
        order_type,
        cloid,
    }
}

#[test]
fn python_phantom_agent_connection_id_matches_production() {
    // test_phantom_agent_creation_matches_production: ETH (asset 4), 0.0147 @ 1670.1 Ioc.
    let orders = [OrderWire {
        asset: AssetId(4),
        is_buy: true,
        px: num("1670.1"),
        sz: num("0.0147"),
        reduce_only: false,
        order_type: OrderType::Limit(Limit { tif: Tif::Ioc }),
        cloid: None,
    }];
    let mut buf = Vec::new();
    ActionRef::Order { orders: &orders, grouping: Grouping::Na, builder: None }
        .write_msgpack(&mut buf);
    let cid = action_hash(&buf, 1_677_777_606_040, None, None);
    let hex: String = cid.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "0fcbeda5ae3c4950a548021552a4fea2226858c4453571bf3f24ba017eac2908");
}

#[test]
fn python_order_vectors_match_including_minimal_hex_json() {
    struct Case {
        name: &'static str,
        order: OrderWire,
        mainnet: serde_json::Value,
        testnet: serde_json::Value,
    }
    let gtc = OrderType::Limit(Limit { tif: Tif::Gtc });
    let cases = [
        Case {
            name: "test_l1_action_signing_order_matches",
            order: eth_100_gtc(None, gtc),
            mainnet: expect(
                "0xd65369825a9df5d80099e513cce430311d7d26ddf477f5b3a33d2806b100d78e",
                "0x2b54116ff64054968aa237c20ca9ff68000f977c93289157748a3162b6ea940e",
                28,
            ),
            testnet: expect(
                "0x82b2ba28e76b3d761093aaded1b1cdad4960b3af30212b343fb2e6cdfa4e3d54",
                "0x6b53878fc99d26047f4d7e8c90eb98955a109f44209163f52d8dc4278cbbd9f5",
                27,
            ),
        },
        Case {
            name: "test_l1_action_signing_order_with_cloid_matches",
            order: eth_100_gtc(Some(Cloid(1)), gtc),
            mainnet: expect(
                "0x41ae18e8239a56cacbc5dad94d45d0b747e5da11ad564077fcac71277a946e3",
                "0x3c61f667e747404fe7eea8f90ab0e76cc12ce60270438b2058324681a00116da",
                27,
            ),
            testnet: expect(
                "0xeba0664bed2676fc4e5a743bf89e5c7501aa6d870bdb9446e122c9466c5cd16d",
                "0x7f3e74825c9114bc59086f1eebea2928c190fdfbfde144827cb02b85bbe90988",
                28,
            ),
        },
        Case {
            name: "test_l1_action_signing_tpsl_order_matches",
            order: eth_100_gtc(
                None,
                OrderType::Trigger(Trigger {
                    is_market: true,
                    trigger_px: num("103"),
                    tpsl: Tpsl::Sl,
                }),
            ),
            mainnet: expect(
                "0x98343f2b5ae8e26bb2587daad3863bc70d8792b09af1841b6fdd530a2065a3f9",
                "0x6b5bb6bb0633b710aa22b721dd9dee6d083646a5f8e581a20b545be6c1feb405",
                27,
            ),
            testnet: expect(
                "0x971c554d917c44e0e1b6cc45d8f9404f32172a9d3b3566262347d0302896a2e4",
                "0x206257b104788f80450f8e786c329daa589aa0b32ba96948201ae556d5637eac",
                28,
            ),
        },
    ];
    for case in cases {
        let orders = [case.order];
        let action = ActionRef::Order { orders: &orders, grouping: Grouping::Na, builder: None };
        assert_eq!(py_json(sign_action(action, Chain::Mainnet)), case.mainnet, "{}", case.name);
        assert_eq!(py_json(sign_action(action, Chain::Testnet)), case.testnet, "{}", case.name);
    }
}

#[test]
fn python_schedule_cancel_vectors_match_with_and_without_time() {
    let cases = [
        (
            None,
            expect(
                "0x6cdfb286702f5917e76cd9b3b8bf678fcc49aec194c02a73e6d4f16891195df9",
                "0x6557ac307fa05d25b8d61f21fb8a938e703b3d9bf575f6717ba21ec61261b2a0",
                27,
            ),
            expect(
                "0xc75bb195c3f6a4e06b7d395acc20bbb224f6d23ccff7c6a26d327304e6efaeed",
                "0x342f8ede109a29f2c0723bd5efb9e9100e3bbb493f8fb5164ee3d385908233df",
                28,
            ),
        ),
        (
            Some(123_456_789),
            expect(
                "0x609cb20c737945d070716dcc696ba030e9976fcf5edad87afa7d877493109d55",
                "0x16c685d63b5c7a04512d73f183b3d7a00da5406ff1f8aad33f8ae2163bab758b",
                28,
            ),
            expect(
                "0x4e4f2dbd4107c69783e251b7e1057d9f2b9d11cee213441ccfa2be63516dc5bc",
                "0x706c656b23428c8ba356d68db207e11139ede1670481a9e01ae2dfcdb0e1a678",
                27,
            ),
        ),
    ];
    for (time, mainnet, testnet) in cases {
        let action = ActionRef::ScheduleCancel { time };
        assert_eq!(py_json(sign_action(action, Chain::Mainnet)), mainnet, "time {time:?}");
        assert_eq!(py_json(sign_action(action, Chain::Testnet)), testnet, "time {time:?}");
    }
}

#[test]
fn python_vault_vector_matches() {
    // test_l1_action_signing_matches_with_vault: {"type":"dummy","num":100000000000}, an
    // action we do not model, so its msgpack is written out by hand (fixmap 2, num as uint64).
    let mut msgpack = vec![0x82, 0xa4];
    msgpack.extend_from_slice(b"type");
    msgpack.push(0xa5);
    msgpack.extend_from_slice(b"dummy");
    msgpack.push(0xa3);
    msgpack.extend_from_slice(b"num");
    msgpack.push(0xcf);
    msgpack.extend_from_slice(&100_000_000_000u64.to_be_bytes());
    let vault: Address = "0x1719884eb866cb12b2287399b15f7db5e7d775ea".parse().expect("vault");

    assert_eq!(
        py_json(sign(&msgpack, None, Chain::Mainnet)),
        expect(
            "0x53749d5b30552aeb2fca34b530185976545bb22d0b3ce6f62e31be961a59298",
            "0x755c40ba9bf05223521753995abb2f73ab3229be8ec921f350cb447e384d8ed8",
            27,
        ),
        "no vault (test_l1_action_signing_matches)"
    );
    assert_eq!(
        py_json(sign(&msgpack, Some(vault), Chain::Mainnet)),
        expect(
            "0x3c548db75e479f8012acf3000ca3a6b05606bc2ec0c29c50c515066a326239",
            "0x4d402be7396ce74fbba3795769cda45aec00dc3125a984f2a9f23177b190da2c",
            28,
        ),
        "vault mainnet"
    );
    assert_eq!(
        py_json(sign(&msgpack, Some(vault), Chain::Testnet)),
        expect(
            "0xe281d2fb5c6e25ca01601f878e4d69c965bb598b88fac58e475dd1f5e56c362b",
            "0x7ddad27e9a238d045c035bc606349d075d5c5cd00a6cd1da23ab5c39d4ef0f60",
            27,
        ),
        "vault testnet"
    );
}

#[test]
fn expires_after_is_appended_after_the_vault_marker() {
    // [PY] action_hash: msgpack ‖ nonce BE ‖ 0x00 (no vault) ‖ 0x00 ‖ expiresAfter BE.
    use sha3::Digest;
    let msgpack = [0x81, 0xa4, b't', b'y', b'p', b'e', 0xa4, b'n', b'o', b'o', b'p'];
    let mut manual = msgpack.to_vec();
    manual.extend_from_slice(&7u64.to_be_bytes());
    manual.push(0x00);
    manual.push(0x00);
    manual.extend_from_slice(&1_700_000_000_000u64.to_be_bytes());
    let want: [u8; 32] = sha3::Keccak256::digest(&manual).into();
    assert_eq!(action_hash(&msgpack, 7, None, Some(1_700_000_000_000)), want);

    let vault = Address([0x11; 20]);
    let mut manual = msgpack.to_vec();
    manual.extend_from_slice(&7u64.to_be_bytes());
    manual.push(0x01);
    manual.extend_from_slice(&[0x11; 20]);
    manual.push(0x00);
    manual.extend_from_slice(&9u64.to_be_bytes());
    let want: [u8; 32] = sha3::Keccak256::digest(&manual).into();
    assert_eq!(action_hash(&msgpack, 7, Some(vault), Some(9)), want);
}
