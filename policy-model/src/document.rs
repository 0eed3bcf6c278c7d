//! The document enum: every YAML/JSON document, dispatched by apiVersion and kind.

use serde_json::Value;

use crate::cel::{
    AdmissionPolicy, AdmissionPolicyKind, CEL_POLICY_VERSIONS, CelPolicy, CelPolicyKind,
};
use crate::exception::PolicyException;
use crate::policy::KyvernoPolicy;
use crate::report::{PolicyReport, ReportApi};
use crate::resource::Resource;
use crate::testfile::{CLI_API_VERSION, ContextFile, Test, UserInfoFile, Values};

/// Any document this crate knows, or a plain resource.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    /// `kyverno.io/v1|v2beta1` ClusterPolicy or Policy.
    Policy(Box<KyvernoPolicy>),
    /// A `policies.kyverno.io` CEL policy.
    CelPolicy(Box<CelPolicy>),
    /// A Kubernetes ValidatingAdmissionPolicy / MutatingAdmissionPolicy or binding.
    AdmissionPolicy(Box<AdmissionPolicy>),
    /// A PolicyException of either family.
    Exception(PolicyException),
    /// A PolicyReport of either API group.
    Report(Box<PolicyReport>),
    /// A `kyverno test` suite.
    Test(Box<Test>),
    /// A `kyverno test` Values file.
    Values(Box<Values>),
    /// A `kyverno test` UserInfo file.
    UserInfo(Box<UserInfoFile>),
    /// A `kyverno test` CEL Context file.
    Context(Box<ContextFile>),
    /// Anything else: a Kubernetes resource.
    Resource(Resource),
}

/// Which typed document an apiVersion/kind pair denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DocClass {
    Policy,
    CelPolicy,
    AdmissionPolicy,
    KyvernoException,
    CelException,
    Report,
    Test,
    Values,
    UserInfo,
    Context,
    Resource,
}

pub(crate) fn classify(api_version: &str, kind: &str) -> DocClass {
    match (api_version, kind) {
        ("kyverno.io/v1" | "kyverno.io/v2beta1", "ClusterPolicy" | "Policy") => DocClass::Policy,
        ("kyverno.io/v2" | "kyverno.io/v2beta1" | "kyverno.io/v2alpha1", "PolicyException") => {
            DocClass::KyvernoException
        }
        (av, "PolicyException") if CEL_POLICY_VERSIONS.contains(&av) => DocClass::CelException,
        (av, k) if CEL_POLICY_VERSIONS.contains(&av) && CelPolicyKind::parse(k).is_some() => {
            DocClass::CelPolicy
        }
        (av, k)
            if av.starts_with("admissionregistration.k8s.io/")
                && AdmissionPolicyKind::parse(k).is_some() =>
        {
            DocClass::AdmissionPolicy
        }
        (av, k) if ReportApi::recognize(av, k).is_some() => DocClass::Report,
        (CLI_API_VERSION, "Test") => DocClass::Test,
        (CLI_API_VERSION, "Values" | "Value") => DocClass::Values,
        (CLI_API_VERSION, "UserInfo") => DocClass::UserInfo,
        (CLI_API_VERSION, "Context") => DocClass::Context,
        _ => DocClass::Resource,
    }
}

impl Document {
    /// The document's `apiVersion`.
    pub fn api_version(&self) -> &str {
        match self {
            Self::Policy(p) => &p.api_version,
            Self::CelPolicy(p) => &p.api_version,
            Self::AdmissionPolicy(p) => &p.api_version,
            Self::Exception(PolicyException::Kyverno(e)) => &e.api_version,
            Self::Exception(PolicyException::Cel(e)) => &e.api_version,
            Self::Report(r) => &r.api_version,
            Self::Test(t) => &t.api_version,
            Self::Values(v) => &v.api_version,
            Self::UserInfo(u) => &u.api_version,
            Self::Context(c) => &c.api_version,
            Self::Resource(r) => r.view().api_version(),
        }
    }

    /// The document's `kind`.
    pub fn kind(&self) -> &str {
        match self {
            Self::Policy(p) => &p.kind,
            Self::CelPolicy(p) => &p.kind,
            Self::AdmissionPolicy(p) => &p.kind,
            Self::Exception(PolicyException::Kyverno(e)) => &e.kind,
            Self::Exception(PolicyException::Cel(e)) => &e.kind,
            Self::Report(r) => &r.kind,
            Self::Test(t) => &t.kind,
            Self::Values(v) => &v.kind,
            Self::UserInfo(u) => &u.kind,
            Self::Context(c) => &c.kind,
            Self::Resource(r) => r.view().kind(),
        }
    }

    /// The document's `metadata.name` (`""` when absent).
    pub fn name(&self) -> &str {
        match self {
            Self::Policy(p) => p.metadata.name_or_empty(),
            Self::CelPolicy(p) => p.metadata.name_or_empty(),
            Self::AdmissionPolicy(p) => p.metadata.name_or_empty(),
            Self::Exception(e) => e.metadata().name_or_empty(),
            Self::Report(r) => r.metadata.name_or_empty(),
            Self::Test(t) => t.metadata.name_or_empty(),
            Self::Values(v) => v.metadata.name_or_empty(),
            Self::UserInfo(u) => u.metadata.name_or_empty(),
            Self::Context(c) => c.metadata.name_or_empty(),
            Self::Resource(r) => r.view().name(),
        }
    }

    /// Serializes back to a JSON value (what `to_yaml`/`to_json` print).
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        match self {
            Self::Policy(p) => serde_json::to_value(p),
            Self::CelPolicy(p) => serde_json::to_value(p),
            Self::AdmissionPolicy(p) => serde_json::to_value(p),
            Self::Exception(PolicyException::Kyverno(e)) => serde_json::to_value(e),
            Self::Exception(PolicyException::Cel(e)) => serde_json::to_value(e),
            Self::Report(r) => serde_json::to_value(r),
            Self::Test(t) => serde_json::to_value(t),
            Self::Values(v) => serde_json::to_value(v),
            Self::UserInfo(u) => serde_json::to_value(u),
            Self::Context(c) => serde_json::to_value(c),
            Self::Resource(r) => Ok(r.value().clone()),
        }
    }

    /// Serializes to YAML.
    pub fn to_yaml(&self) -> Result<String, crate::SerializeError> {
        let value = self
            .to_value()
            .map_err(|e| crate::SerializeError(e.to_string()))?;
        crate::to_yaml(&value)
    }
}
