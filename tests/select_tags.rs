//! pyvet's ordered tag list against the one `packaging.tags` computes for the same targets,
//! recorded once by `scripts/record-tags.py` into `testdata/tags/packaging-tags.json` (no
//! Python is needed here). Installers pick the wheel whose best tag comes first in this list,
//! so the order decides which file pyvet vets.

use pyvet::select::Target;

#[test]
fn tag_order_matches_packaging_for_every_recorded_target() {
    let text = include_str!("../testdata/tags/packaging-tags.json");
    let fixture: serde_json::Value = serde_json::from_str(text).unwrap();
    let targets = fixture["targets"].as_array().unwrap();
    assert!(targets.len() >= 10);
    for t in targets {
        let py = t["python_version"].as_str().unwrap();
        let plat = t["platform"].as_str().unwrap();
        let want: Vec<String> = t["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let target = Target::from_args(Some(py), Some(plat)).unwrap();
        let got = target.supported_tags();
        if let Some(i) = (0..want.len().max(got.len())).find(|&i| want.get(i) != got.get(i)) {
            panic!(
                "{py} {plat}: tag {i} differs: packaging {:?}, pyvet {:?} ({} vs {} tags)",
                want.get(i),
                got.get(i),
                want.len(),
                got.len()
            );
        }
    }
}
