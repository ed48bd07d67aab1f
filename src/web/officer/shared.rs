//! What the officer's procurement pages share: the choices of their selects, repeated rows of
//! inputs (`targets[0].name`, `criteria[1].max_points`) and the mapping of a service's row
//! errors back to the rows the user typed in.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::auth::CurrentUser;
use crate::db::AnyConnection;
use crate::db::schema::{contractors, stations};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::procurement::access::ensure_can_read;
use crate::procurement::projects::model::{self as projects_model, ProjectRow};
use crate::procurement::rules::{METHOD_CODES, ProcurementRules};
use crate::web::form::{FormData, FormState, Options};

/// One input of a repeated row: its name, the value to show and its errors.
#[derive(Debug, Clone)]
pub struct RowField {
    /// Field name, e.g. `targets[0].value`.
    pub name: String,
    /// Value to show.
    pub value: String,
    /// Messages next to it.
    pub errors: Vec<String>,
}

impl RowField {
    /// The field `{prefix}[{index}].{key}` of `form`.
    pub fn of(form: &FormState, prefix: &str, index: usize, key: &str) -> RowField {
        let name = format!("{prefix}[{index}].{key}");
        RowField {
            value: form.value(&name).to_owned(),
            errors: form.errors(&name).to_vec(),
            name,
        }
    }

    /// Whether it has errors.
    pub fn invalid(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// How many rows of a repeated group to show: the rows with input plus two blank ones, at
/// least `min`, at most `max`.
pub fn row_count(form: &FormState, prefix: &str, keys: &[&str], min: usize, max: usize) -> usize {
    let used = (0..max)
        .filter(|i| {
            keys.iter()
                .any(|k| !form.value(&format!("{prefix}[{i}].{k}")).trim().is_empty())
        })
        .max()
        .map_or(0, |last| last + 1);
    (used + 2).clamp(min, max)
}

/// The indexes (below `max`) of the rows of `prefix` where any of `keys` was filled in;
/// blank rows are ignored.
pub fn filled_rows(data: &FormData, prefix: &str, keys: &[&str], max: usize) -> Vec<usize> {
    (0..max)
        .filter(|i| {
            keys.iter()
                .any(|k| !data.text(&format!("{prefix}[{i}].{k}")).is_empty())
        })
        .collect()
}

/// Renames a service's row errors (`targets[1].name`, the second row it was given) to the
/// row the user typed in (`targets[3].name` when rows 1 and 2 were blank).
pub fn remap_rows(error: AppError, prefix: &str, rows: &[usize]) -> AppError {
    let AppError::Validation(fields) = error else {
        return error;
    };
    let head = format!("{prefix}[");
    let mut out = FieldErrors::new();
    for (field, messages) in fields {
        let renamed = field
            .strip_prefix(&head)
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(n, tail)| n.parse::<usize>().ok().map(|n| (n, tail)))
            .and_then(|(n, tail)| rows.get(n).map(|row| format!("{head}{row}]{tail}")))
            .unwrap_or(field);
        out.entry(renamed).or_default().extend(messages);
    }
    AppError::Validation(out)
}

/// An id chosen in a select: `None` with `请选择{label}` when nothing was chosen.
pub fn chosen_id(form: &mut FormState, data: &FormData, name: &str, label: &str) -> Option<i64> {
    let text = data.text(name);
    if text.is_empty() {
        form.error(name, format!("请选择{label}"));
        return None;
    }
    match text.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            form.error(name, format!("{label}无效，请重新选择"));
            None
        }
    }
}

/// The six procurement methods, in the order of the rules, with their Chinese names.
pub fn method_options(rules: &ProcurementRules) -> Options {
    METHOD_CODES
        .iter()
        .filter_map(|code| {
            rules
                .method(code)
                .map(|m| ((*code).to_owned(), m.label.clone()))
        })
        .collect()
}

/// The kinds of a performance target.
pub fn target_kind_options() -> Options {
    [
        ("quantity", "数量指标"),
        ("scale", "规模指标"),
        ("quality", "质量指标"),
        ("outcome", "效果指标"),
    ]
    .iter()
    .map(|(c, l)| ((*c).to_owned(), (*l).to_owned()))
    .collect()
}

/// The Chinese name of a target kind.
pub fn target_kind_label(code: &str) -> &'static str {
    match code {
        "quantity" => "数量指标",
        "scale" => "规模指标",
        "quality" => "质量指标",
        "outcome" => "效果指标",
        _ => "指标",
    }
}

/// The regions a purchaser's project may benefit: its own region and every one below it,
/// indented by level.
pub fn region_options(conn: &mut AnyConnection, root: &str) -> QueryResult<Options> {
    let mut options = Vec::new();
    if let Some(region) = crate::regions::find(conn, root)? {
        options.push((region.code.clone(), region.name.clone()));
    }
    let mut below = crate::regions::subtree(conn, root)?;
    below.sort_by(|a, b| a.code.cmp(&b.code));
    for region in below {
        let indent = match region.level.as_str() {
            "prefecture" => "　",
            "county" => "　　",
            _ => "　　　",
        };
        options.push((region.code, format!("{indent}{}", region.name)));
    }
    Ok(options)
}

/// The stations within a purchaser's region.
pub fn station_options(conn: &mut AnyConnection, root: &str) -> QueryResult<Options> {
    let mut codes: BTreeSet<String> = crate::regions::subtree(conn, root)?
        .into_iter()
        .map(|r| r.code)
        .collect();
    codes.insert(root.to_owned());
    let rows: Vec<(i64, String, String)> = stations::table
        .filter(stations::region_code.eq_any(codes.into_iter().collect::<Vec<_>>()))
        .order(stations::id.asc())
        .select((stations::id, stations::name, stations::region_code))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, _)| (id.to_string(), name))
        .collect())
}

/// Active evaluators, for the panel: `(user id, "name（username）")`.
pub fn evaluator_options(conn: &mut AnyConnection) -> QueryResult<Options> {
    let rows = crate::auth::model::active_with_role(conn, crate::auth::Role::Evaluator)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, username)| (id.to_string(), format!("{name}（{username}）")))
        .collect())
}

/// Qualified contractors, for invitations: `(id, name)`.
pub fn invitable_options(conn: &mut AnyConnection) -> QueryResult<Options> {
    let rows: Vec<(i64, String)> = contractors::table
        .filter(contractors::status.eq("qualified"))
        .order(contractors::id.asc())
        .select((contractors::id, contractors::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect())
}

/// A project the user may read (its purchaser's officers, auditors, admins): `404` when it
/// does not exist, `403` for everyone else — as the API.
pub fn readable_project(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<ProjectRow> {
    let row = projects_model::get(conn, id)?;
    ensure_can_read(user, row.purchaser_id)?;
    Ok(row)
}

/// The page of a project.
pub fn project_url(id: i64) -> String {
    format!("/app/projects/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_errors_follow_the_rows_typed_in() {
        let mut fields = FieldErrors::new();
        fields.insert("targets[1].name".into(), vec!["必填".into()]);
        fields.insert("targets".into(), vec!["x".into()]);
        fields.insert("title".into(), vec!["y".into()]);
        let AppError::Validation(out) =
            remap_rows(AppError::Validation(fields), "targets", &[0, 3])
        else {
            panic!("validation");
        };
        assert_eq!(out["targets[3].name"], ["必填"]);
        assert!(out.contains_key("targets") && out.contains_key("title"));
        assert!(!out.contains_key("targets[1].name"));
    }

    #[test]
    fn rows_shown_are_the_filled_ones_plus_two() {
        let form = FormState::with_values([("targets[2].name", "探访")]);
        assert_eq!(row_count(&form, "targets", &["name", "unit"], 4, 10), 5);
        assert_eq!(row_count(&FormState::new(), "targets", &["name"], 4, 10), 4);
    }
}
