// Package sdk holds what the tool knows about AWS SDK versions: the minimum
// version of each SDK that supports IRSA (web identity) and EKS Pod
// Identity (container credentials from 169.254.170.23), as the Amazon EKS
// User Guide lists them (minimums.json; docs/reference/sdk-versions.md), and well-known
// AWS tool and controller images with the credential client each carries
// (images.json). Both are embedded data files in which every fact names its
// source; the package compares versions and judges an image reference
// against them.
//
// Unknown stays unknown. An image version is judged only by:
//
//   - its tag, when the tag is the SDK version (the AWS CLI images);
//   - a release listed with the SDK version its go.mod or release notes
//     give;
//   - another listed release of the same major.minor line: a later patch
//     release never carries an older SDK than an earlier one of its line,
//     so a version at or below a listed release carries that release's SDK
//     or an older one, and a version at or above one carries it or a newer
//     one (across lines only the second holds: an older line's patch
//     release may have been given a newer SDK than a newer line's first);
//   - a source that says from which release on the image supports a
//     mechanism ("support"): versions below it do not.
//
// Everything else (another tag, "latest", a digest alone) is unknown.
//
// It imports nothing from the project: checks and the CLI import it.
package sdk
