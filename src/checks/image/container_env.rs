use crate::checks::image::{each_image, systemd_or_skip};
use crate::checks::{Check, Outcome};
use crate::facts::image::ImageFacts;
use crate::facts::Facts;

pub(crate) static CHECK: Check = Check {
    id: "image.container-env",
    title: "ENV container=docker",
    explain:
        "systemd learns it runs in a container from PID 1's $container (CONTAINER_INTERFACE), \
and adapts: no udev, no attempts to mount what the container manager owns. Docker does not set it; \
images add ENV container=docker. systemd >= 248 also detects Docker by /.dockerenv, so there a \
missing variable is harmless; older systemd relies on it.",
    sources: &[
        "systemd.io CONTAINER_INTERFACE ($container)",
        "systemd src/basic/virt.c detect_container(); NEWS 248 (/.dockerenv)",
    ],
    run,
};

fn run(facts: &Facts) -> Outcome {
    each_image(facts, |img, _| judge(img))
}

fn judge(img: &ImageFacts) -> Outcome {
    let v = match systemd_or_skip(img) {
        Err(o) => return o,
        Ok(v) => v,
    };
    if let Some(c) = img.env_container.as_deref().filter(|c| !c.is_empty()) {
        return Outcome::pass(format!("container={c}"));
    }
    let unset = match img.env_container {
        Some(_) => "container= is empty (systemd reads that as no container)",
        None => "container= is not set",
    };
    match v {
        Some(v) if v.major >= 248 => Outcome::pass(format!(
            "{unset}; systemd {} detects Docker from /.dockerenv",
            v.version
        )),
        _ => Outcome::warn(format!(
            "{unset}; systemd older than 248 (or of unknown version) may not know it runs in a \
container"
        ))
        .fix(
            "Set it in the image, or per container.",
            &["ENV container=docker", "docker run -e container=docker ..."],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::testing::{bookworm_image, systemd_mut, unified_host, with_image};

    #[test]
    fn table() {
        let cases = [
            (Some("docker"), 247, Status::Pass),
            (None, 252, Status::Pass),
            (Some(""), 248, Status::Pass),
            (None, 247, Status::Warn),
            (Some(""), 219, Status::Warn),
        ];
        for (env, major, want) in cases {
            let mut img = bookworm_image();
            img.env_container = env.map(Into::into);
            systemd_mut(&mut img).major = major;
            assert_eq!(
                run(&with_image(unified_host(), img)).status,
                want,
                "{env:?} {major}"
            );
        }
    }
}
