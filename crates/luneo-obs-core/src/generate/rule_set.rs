//! Every rule group of a cluster: the contract's recording rules, the alerts, the
//! Watchdog ([`crate::generate::rules`]), then one group per SLO
//! ([`crate::generate::budgets`]), capped by the rule group's `limit` when the SLO is
//! grouped.

use crate::generate::budgets;
use crate::generate::rules::{self, ClusterRules, Origin};
use crate::load::Loaded;
use crate::model::Cluster;

/// Build all rule groups of one cluster.
pub fn cluster_rules(l: &Loaded, cluster: &Cluster) -> ClusterRules {
    let mut out = rules::base_rules(l, cluster);
    for (i, o) in budgets::cluster_slos(l, cluster) {
        let rules = budgets::slo_rules(&l.defs, o, cluster)
            .into_iter()
            .map(|r| (r, Origin::Slo(i)))
            .collect();
        out.push_limited(budgets::group_name(cluster, o), o.group_limit(), rules);
    }
    out
}
