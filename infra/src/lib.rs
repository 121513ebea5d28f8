//! The stack outside AWS, on a local AWS-protocol server reached through `AWS_ENDPOINT_URL`:
//! the table created from its definition in `template.yaml` (one source of truth, so the two
//! cannot drift), the SES sender identity, the event bus, and demo data.

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

/// The repository's `template.yaml`.
pub fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}

/// The `Table` resource of the template, as the table's creation needs it.
#[derive(Debug, Clone)]
pub struct TableDefinition {
    pub attributes: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeySchemaElement>,
    pub indexes: Vec<GlobalSecondaryIndex>,
    pub ttl_attribute: Option<String>,
}

fn field<'a>(yaml: &'a Yaml, name: &str) -> Result<&'a Yaml> {
    let value = &yaml[name];
    if value.is_badvalue() {
        bail!("template: missing {name}");
    }
    Ok(value)
}

fn text<'a>(yaml: &'a Yaml, name: &str) -> Result<&'a str> {
    field(yaml, name)?
        .as_str()
        .ok_or_else(|| anyhow!("template: {name} is not a string"))
}

fn list<'a>(yaml: &'a Yaml, name: &str) -> Result<&'a [Yaml]> {
    field(yaml, name)?
        .as_vec()
        .map(Vec::as_slice)
        .ok_or_else(|| anyhow!("template: {name} is not a list"))
}

fn key_schema(yaml: &Yaml) -> Result<Vec<KeySchemaElement>> {
    list(yaml, "KeySchema")?
        .iter()
        .map(|k| {
            Ok(KeySchemaElement::builder()
                .attribute_name(text(k, "AttributeName")?)
                .key_type(KeyType::from(text(k, "KeyType")?))
                .build()?)
        })
        .collect()
}

impl TableDefinition {
    /// Reads the `Table` resource of a SAM/CloudFormation template.
    pub fn from_template(path: &Path) -> Result<Self> {
        let source =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let documents = YamlLoader::load_from_str(&source)
            .with_context(|| format!("parsing {}", path.display()))?;
        let template = documents.first().context("the template is empty")?;
        let table = &template["Resources"]["Table"];
        if text(table, "Type")? != "AWS::DynamoDB::Table" {
            bail!("template: Resources.Table is not an AWS::DynamoDB::Table");
        }
        let properties = field(table, "Properties")?;
        if text(properties, "BillingMode")? != "PAY_PER_REQUEST" {
            bail!("template: the table is expected to be on-demand (PAY_PER_REQUEST)");
        }
        let attributes = list(properties, "AttributeDefinitions")?
            .iter()
            .map(|a| {
                Ok(AttributeDefinition::builder()
                    .attribute_name(text(a, "AttributeName")?)
                    .attribute_type(ScalarAttributeType::from(text(a, "AttributeType")?))
                    .build()?)
            })
            .collect::<Result<_>>()?;
        let indexes = match properties["GlobalSecondaryIndexes"].as_vec() {
            None => Vec::new(),
            Some(indexes) => indexes
                .iter()
                .map(|i| {
                    let projection = text(field(i, "Projection")?, "ProjectionType")?;
                    Ok(GlobalSecondaryIndex::builder()
                        .index_name(text(i, "IndexName")?)
                        .set_key_schema(Some(key_schema(i)?))
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::from(projection))
                                .build(),
                        )
                        .build()?)
                })
                .collect::<Result<_>>()?,
        };
        let ttl = &properties["TimeToLiveSpecification"];
        let ttl_attribute = (ttl["Enabled"].as_bool() == Some(true))
            .then(|| text(ttl, "AttributeName").map(str::to_owned))
            .transpose()?;
        Ok(Self {
            attributes,
            key_schema: key_schema(properties)?,
            indexes,
            ttl_attribute,
        })
    }

    /// Creates the table under `name` and turns its TTL on; a table that already exists is
    /// left as it is.
    pub async fn create(&self, client: &aws_sdk_dynamodb::Client, name: &str) -> Result<()> {
        let created = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(self.attributes.clone()))
            .set_key_schema(Some(self.key_schema.clone()))
            .set_global_secondary_indexes((!self.indexes.is_empty()).then(|| self.indexes.clone()))
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                return Ok(());
            }
            Err(e) => return Err(e).with_context(|| format!("creating table {name}")),
        }
        if let Some(attribute) = &self.ttl_attribute {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(attribute)
                        .enabled(true)
                        .build()?,
                )
                .send()
                .await
                .with_context(|| format!("turning on TTL of table {name}"))?;
        }
        Ok(())
    }
}

/// Verifies an SES identity (on the local server, verification is immediate).
pub async fn verify_sender(client: &aws_sdk_sesv2::Client, sender: &str) -> Result<()> {
    let result = client
        .create_email_identity()
        .email_identity(sender)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("verifying SES identity {sender}")),
    }
}

/// Creates an EventBridge bus unless it exists.
pub async fn create_event_bus(client: &aws_sdk_eventbridge::Client, name: &str) -> Result<()> {
    let result = client.create_event_bus().name(name).send().await;
    match result {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("creating event bus {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_table_of_the_repository_template() {
        let table = TableDefinition::from_template(&template_path()).unwrap();
        let names: Vec<_> = table
            .attributes
            .iter()
            .map(|a| a.attribute_name())
            .collect();
        assert!(names.contains(&"pk") && names.contains(&"sk"));
        assert_eq!(table.key_schema[0].attribute_name(), "pk");
        assert_eq!(table.key_schema[0].key_type(), &KeyType::Hash);
        let indexes: Vec<_> = table.indexes.iter().map(|i| i.index_name()).collect();
        assert_eq!(indexes, ["gsi1", "gsi2"]);
        assert_eq!(table.ttl_attribute.as_deref(), Some("expires_at"));
    }
}
