#!/usr/bin/env python3
"""Writes the SPDX 2.3 JSON SBOM of one jitsudo image to stdout (called by scripts/build-image.sh).

Packages: the image itself; the Swift packages pinned in Package.resolved whose modules the link used (every pinned
package when the link file list is not available); the Swift runtime linked in statically; the Debian packages whose
files were copied into the root filesystem. Deterministic: no clock, no random namespace (it derives from the image
digest), sorted packages.
"""
import argparse
import json
import os
import re
import sys


def linked_packages(link_file_list, checkouts):
    """Package identities (checkout directory names) whose modules have objects in the link file list; None if unknown."""
    try:
        with open(link_file_list, encoding="utf-8") as f:
            lines = f.read().split()
    except OSError:
        return None
    modules = set()
    for line in lines:
        match = re.search(r"/([^/]+)\.build/", line.strip("'\""))
        if match:
            modules.add(match.group(1))
    if not modules or not os.path.isdir(checkouts):
        return None
    found = set()
    for package in os.listdir(checkouts):
        root = os.path.join(checkouts, package)
        for dirpath, dirnames, _ in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("Tests", "Benchmarks", "Examples")]
            if os.path.basename(dirpath) in modules and os.path.basename(os.path.dirname(dirpath)) == "Sources":
                found.add(package.lower())
                break
    return found


LICENSE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING")


def declared_license(directory):
    """The SPDX id of the license file at a package's root, when its text says so unmistakably; else NOASSERTION."""
    for name in LICENSE_FILES:
        try:
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
                text = " ".join(f.read(4000).split())
        except OSError:
            continue
        if "Apache License" in text and "Version 2.0" in text:
            return "Apache-2.0"
        if text.startswith("MIT License") or "Permission is hereby granted, free of charge" in text:
            return "MIT"
        return "NOASSERTION"
    return "NOASSERTION"


def spdx_id(text):
    return "SPDXRef-" + re.sub(r"[^A-Za-z0-9.-]", "-", text)


def main():
    parser = argparse.ArgumentParser()
    for name in ("name", "version", "created", "digest", "source", "revision", "resolved", "checkouts", "link-file-list", "swift"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--license-root", default=".", help="the directory holding jitsudo's own LICENSE")
    parser.add_argument("--deb", action="append", default=[], help="name=version of a Debian package copied from")
    args = parser.parse_args()

    with open(args.resolved, encoding="utf-8") as f:
        pins = json.load(f)["pins"]
    linked = linked_packages(args.link_file_list, args.checkouts)
    image_id = spdx_id("image-" + args.name)
    packages = [{
        "SPDXID": image_id, "name": args.name, "versionInfo": args.version, "downloadLocation": args.source,
        "filesAnalyzed": False, "licenseConcluded": "NOASSERTION", "licenseDeclared": declared_license(args.license_root),
        "copyrightText": "NOASSERTION", "primaryPackagePurpose": "CONTAINER",
        "checksums": [{"algorithm": "SHA256", "checksumValue": args.digest.split(":", 1)[1]}],
        "sourceInfo": "built from revision " + args.revision,
    }]
    contained = []
    for pin in sorted(pins, key=lambda p: p["identity"]):
        identity = pin["identity"]
        checkout_names = {identity, pin["location"].rstrip("/").split("/")[-1].removesuffix(".git").lower()}
        if linked is not None and not (checkout_names & linked):
            continue
        version = pin["state"].get("version") or pin["state"].get("revision")
        package = {
            "SPDXID": spdx_id("swift-" + identity), "name": identity, "versionInfo": version,
            "downloadLocation": "git+" + pin["location"] + "@" + pin["state"]["revision"],
            "filesAnalyzed": False, "licenseConcluded": "NOASSERTION",
            "licenseDeclared": declared_license(os.path.join(args.checkouts, pin["location"].rstrip("/").split("/")[-1].removesuffix(".git"))),
            "copyrightText": "NOASSERTION", "primaryPackagePurpose": "LIBRARY",
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                              "referenceLocator": "pkg:swift/" + pin["location"].removeprefix("https://").removesuffix(".git")
                              + "@" + version}],
        }
        packages.append(package)
        contained.append(package["SPDXID"])
    runtime = {
        "SPDXID": spdx_id("swift-runtime"), "name": "swift-stdlib-and-foundation", "versionInfo": args.swift,
        "downloadLocation": "https://www.swift.org/install/linux/", "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "Apache-2.0 WITH Swift-exception", "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY", "comment": "linked statically (--static-swift-stdlib)",
    }
    packages.append(runtime)
    contained.append(runtime["SPDXID"])
    for deb in sorted(set(args.deb)):
        name, _, version = deb.partition("=")
        package = {
            "SPDXID": spdx_id("deb-" + name), "name": name, "versionInfo": version, "supplier": "Organization: Debian",
            "downloadLocation": "NOASSERTION", "filesAnalyzed": False, "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION", "copyrightText": "NOASSERTION", "primaryPackagePurpose": "OPERATING-SYSTEM",
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                              "referenceLocator": f"pkg:deb/debian/{name}@{version}?arch=amd64"}],
        }
        packages.append(package)
        contained.append(package["SPDXID"])
    document = {
        "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"{args.name}-{args.version}",
        "documentNamespace": f"https://jitsudo.dev/spdx/{args.name}/{args.version}/{args.digest}",
        "creationInfo": {"created": args.created, "creators": ["Tool: jitsudo-scripts/build-image.sh"]},
        "documentDescribes": [image_id],
        "packages": packages,
        "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": image_id}]
        + [{"spdxElementId": image_id, "relationshipType": "CONTAINS", "relatedSpdxElement": c} for c in contained],
    }
    json.dump(document, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
