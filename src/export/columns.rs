//! The checks of an export mapping's columns: what each holds, its unit, date format,
//! reverse map and key template, against the RDL.

use std::collections::BTreeMap;

use serde_saphyr::{Location, Spanned};

use super::spec::{Checker, ColumnYaml, DateFormat, Ordered, PropertyColumn, Source, UnitChange};
use crate::diag::{self, Term};
use crate::rdl::Datatype;

impl Checker<'_> {
    /// What a column holds: `id`, `label`, `class`, or an RDL property with its conversions.
    pub(super) fn column(&mut self, yaml: &ColumnYaml) -> Option<Source> {
        let only_for = |key: &str, what: &str| format!("`{key}` is for {what}");
        let from = &yaml.from;
        match from.value.as_str() {
            "id" | "label" | "class" => {
                let extra = [
                    ("unit", yaml.unit.as_ref().map(|u| &u.referenced)),
                    ("decimal", yaml.decimal.as_ref().map(|d| &d.referenced)),
                    ("format", yaml.format.as_ref().map(|f| &f.referenced)),
                    ("id", yaml.id.as_ref().map(|i| &i.referenced)),
                    ("split", yaml.split.as_ref().map(|s| &s.referenced)),
                ];
                if let (Some(template), "class") = (&yaml.template, from.value.as_str()) {
                    let message = "`template` is for `from: id` and `from: label`".to_string();
                    self.problem(
                        &template.referenced,
                        message,
                        "remove it: the class is written through `values`".into(),
                    );
                }
                for (key, at) in extra {
                    if let Some(at) = at {
                        self.problem(
                            at,
                            only_for(key, "a property's column"),
                            format!("remove it: `{}` is written as it is", from.value),
                        );
                    }
                }
                let part = yaml.template.as_ref().and_then(|t| self.key_template(t));
                match from.value.as_str() {
                    "id" => Some(Source::Id(part)),
                    "label" => Some(Source::Label(part)),
                    _ => Some(Source::Class(self.class_values(yaml.values.as_ref()))),
                }
            }
            _ => {
                let property = self.resolve(Term::Property, from)?;
                self.property_column(yaml, property)
            }
        }
    }

    /// A class's reverse map: RDL class → the organisation's code, one-to-one.
    fn class_values(
        &mut self,
        values: Option<&Spanned<Ordered<String>>>,
    ) -> Option<BTreeMap<String, String>> {
        let values = values?;
        let mut map = BTreeMap::new();
        for (class, code) in &values.value.0 {
            let named = Spanned {
                value: class.clone(),
                referenced: values.referenced,
                defined: values.defined,
            };
            if let Some(key) = self.resolve(Term::Class, &named) {
                map.insert(key, code.clone());
            }
        }
        self.one_to_one(values);
        Some(map)
    }

    /// Two RDL terms written as one code could not be told apart on the way back in.
    fn one_to_one(&mut self, values: &Spanned<Ordered<String>>) {
        let mut by_code: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (term, code) in &values.value.0 {
            by_code.entry(code.as_str()).or_default().push(term);
        }
        for (code, terms) in by_code.into_iter().filter(|(_, t)| t.len() > 1) {
            let terms: Vec<String> = terms.iter().map(|t| format!("`{t}`")).collect();
            let message = format!(
                "the reverse map is not one-to-one: {} are all written `{code}`",
                terms.join(", ")
            );
            self.problem(
                &values.referenced,
                message,
                "give each RDL term its own code, so the table reads back as it was written".into(),
            );
        }
    }

    fn property_column(&mut self, yaml: &ColumnYaml, property: String) -> Option<Source> {
        let rdl = self.rdl;
        let definition = rdl.properties.get(&property)?;
        let datatype = definition.datatype;
        let numeric = matches!(datatype, Datatype::Decimal | Datatype::Integer);
        let mut wrong = |at: &Location, key: &str, what: &str| {
            let message =
                format!("`{key}` is for {what}, and `{property}` is a {datatype} property");
            self.problem(at, message, format!("remove `{key}`"));
        };
        if let (Some(decimal), false) = (&yaml.decimal, numeric) {
            wrong(&decimal.referenced, "decimal", "numbers");
        }
        if let (Some(format), false) = (
            &yaml.format,
            matches!(datatype, Datatype::Date | Datatype::Datetime),
        ) {
            wrong(&format.referenced, "format", "dates");
        }
        if let (Some(id), false) = (&yaml.id, datatype == Datatype::Link) {
            wrong(&id.referenced, "id", "links");
        }
        if let (Some(values), false) = (&yaml.values, datatype == Datatype::Code) {
            wrong(&values.referenced, "values", "codes and classes");
        }
        let unit = yaml
            .unit
            .as_ref()
            .and_then(|unit| self.unit_change(unit, &property));
        let decimal = match &yaml.decimal {
            None => '.',
            Some(d) if d.value == "." || d.value == "," => d.value.chars().next().unwrap_or('.'),
            Some(d) => {
                self.problem(
                    &d.referenced,
                    format!("decimal separator `{}`", d.value),
                    "`.` or `,`".into(),
                );
                '.'
            }
        };
        if let Some(format) = &yaml.format
            && let Err(why) = keeps_the_date(&format.value, datatype == Datatype::Datetime)
        {
            self.problem(
                &format.referenced,
                format!("the date format `{}` {why}", format.value),
                "a strftime format that writes the day, month and year, such as `%d/%m/%Y`".into(),
            );
        }
        let values = yaml.values.as_ref().map(|values| {
            let codes: Vec<&str> = definition.values.iter().map(|c| c.name.as_str()).collect();
            for (code, _) in &values.value.0 {
                if !codes.contains(&code.as_str()) {
                    let help = diag::suggest(code, codes.iter().copied(), "codes");
                    self.problem(
                        &values.referenced,
                        format!("`{code}` is not a value of `{property}`"),
                        help,
                    );
                }
            }
            self.one_to_one(values);
            values.value.0.iter().cloned().collect()
        });
        if let Some(split) = yaml.split.as_ref().filter(|s| s.value.is_empty()) {
            let help = "say what goes between the values, such as `|`".to_string();
            self.problem(&split.referenced, "an empty `split`".into(), help);
        }
        if let Some(template) = &yaml.template {
            let message = "`template` is for `from: id` and `from: label`".to_string();
            self.problem(
                &template.referenced,
                message,
                "a link's key is read with `id:`".into(),
            );
        }
        let key = yaml.id.as_ref().and_then(|id| self.key_template(id));
        Some(Source::Property(PropertyColumn {
            property,
            datatype,
            unit,
            decimal,
            format: yaml.format.as_ref().map(|f| DateFormat::new(&f.value)),
            values,
            key,
            split: yaml.split.as_ref().map(|s| s.value.clone()),
        }))
    }

    /// From the property's unit to the column's: both of one quantity.
    fn unit_change(&mut self, unit: &Spanned<String>, property: &str) -> Option<UnitChange> {
        let rdl = self.rdl;
        let to = self.resolve(Term::Unit, unit)?;
        let to = rdl.units.get(&to)?;
        let Some(from) = rdl
            .properties
            .get(property)
            .and_then(|p| p.unit.as_ref())
            .and_then(|u| rdl.units.get(u))
        else {
            self.problem(
                &unit.referenced,
                format!("`{property}` has no unit in the RDL to convert from"),
                "remove `unit`, or give the property a unit in the RDL".into(),
            );
            return None;
        };
        if from.quantity != to.quantity {
            let message = format!(
                "`{}` measures {}, and `{property}` is in {} ({})",
                unit.value,
                to.quantity,
                from.label.as_deref().unwrap_or("its unit"),
                from.quantity
            );
            self.problem(
                &unit.referenced,
                message,
                format!("name a unit of {}", from.quantity),
            );
            return None;
        }
        Some(UnitChange {
            from_factor: from.factor,
            from_offset: from.offset,
            to_factor: to.factor,
            to_offset: to.offset,
        })
    }

    /// `https://…/site/{Site}`: the text around the one placeholder.
    fn key_template(&mut self, id: &Spanned<String>) -> Option<(String, String)> {
        let text = &id.value;
        let open = text.find('{');
        let close = text.rfind('}');
        match (open, close) {
            (Some(open), Some(close))
                if open < close && text[open + 1..close].find(['{', '}']).is_none() =>
            {
                Some((text[..open].to_string(), text[close + 1..].to_string()))
            }
            _ => {
                self.problem(&id.referenced, format!("`{text}` is not a template with one `{{column}}`"), "write the target's identifier template, such as `https://data.example.org/water/site/{Site}`: its key is what the column holds".into());
                None
            }
        }
    }
}

/// A format that cannot write a date, or writes two dates alike (it leaves out the day, the
/// month or the year), would change values: refused.
fn keeps_the_date(format: &str, with_time: bool) -> Result<(), String> {
    let format = DateFormat::new(format);
    let formatted = |date, with_time| format.write(date, with_time);
    let at = |y: i32, m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(y, m, d).and_then(|date| date.and_hms_opt(10, 30, 0))
    };
    let (Some(base), Some(day), Some(month), Some(year)) = (
        at(2003, 2, 1),
        at(2003, 2, 9),
        at(2003, 11, 1),
        at(2017, 2, 1),
    ) else {
        return Ok(());
    };
    let Some(text) = formatted(base, with_time) else {
        let what = match with_time {
            true => "asks for what a date and time has not (a time zone)",
            false => "asks for what a date has not (a time, a time zone)",
        };
        return Err(what.to_string());
    };
    for (other, what) in [(day, "day"), (month, "month"), (year, "year")] {
        if formatted(other, with_time).as_deref() == Some(text.as_str()) {
            return Err(format!(
                "does not write the {what}: two dates would read alike"
            ));
        }
    }
    Ok(())
}
