//! `GET /v2/schemas/task` and `/v2/schemas/tasks`: Glance's task schema in its minimal form,
//! and the collection of tasks as listed (without `input`, `result` and `message`).

use serde_json::{Map, Value, json};

use super::TASK_TYPES;

const UUID_PATTERN: &str =
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";

/// The task's properties, as Glance's `_TASK_SCHEMA` describes them.
fn properties(listed: bool) -> Map<String, Value> {
    let mut p = Map::new();
    let mut put = |key: &str, value: Value| {
        p.insert(key.into(), value);
    };
    put(
        "id",
        json!({"description": "An identifier for the task", "pattern": UUID_PATTERN, "type": "string"}),
    );
    put(
        "type",
        json!({"description": "The type of task represented by this content", "enum": TASK_TYPES, "type": "string"}),
    );
    put(
        "status",
        json!({"description": "The current status of this task", "enum": ["pending", "processing", "success", "failure"], "type": "string"}),
    );
    if !listed {
        put(
            "input",
            json!({"description": "The parameters required by task, JSON blob", "type": ["null", "object"]}),
        );
        put(
            "result",
            json!({"description": "The result of current task, JSON blob", "type": ["null", "object"]}),
        );
    }
    put(
        "owner",
        json!({"description": "An identifier for the owner of this task", "type": "string"}),
    );
    if !listed {
        put(
            "message",
            json!({"description": "Human-readable informative message only included when appropriate (usually on failure)", "type": "string"}),
        );
    }
    put(
        "image_id",
        json!({"description": "Image associated with the task", "type": "string"}),
    );
    put(
        "request_id",
        json!({"description": "Human-readable informative request-id", "type": "string"}),
    );
    put(
        "user_id",
        json!({"description": "User associated with the task", "type": "string"}),
    );
    put(
        "expires_at",
        json!({"description": "Datetime when this resource would be subject to removal", "type": ["null", "string"]}),
    );
    put(
        "created_at",
        json!({"description": "Datetime when this resource was created", "type": "string"}),
    );
    put(
        "updated_at",
        json!({"description": "Datetime when this resource was updated", "type": "string"}),
    );
    put("self", json!({"readOnly": true, "type": "string"}));
    put("schema", json!({"readOnly": true, "type": "string"}));
    p
}

/// `GET /v2/schemas/task`.
pub fn task_schema() -> Value {
    json!({"name": "task", "properties": properties(false)})
}

/// `GET /v2/schemas/tasks`.
pub fn tasks_schema() -> Value {
    json!({
        "name": "tasks",
        "properties": {
            "tasks": {"type": "array", "items": {"name": "task", "properties": properties(true)}},
            "schema": {"type": "string"},
        },
        "links": [{"rel": "describedby", "href": "{schema}"}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listed_form_leaves_out_input_result_and_message() {
        let full = task_schema();
        assert_eq!(full["properties"]["type"]["enum"], json!(TASK_TYPES));
        assert!(full["properties"].get("input").is_some());
        let listed = &tasks_schema()["properties"]["tasks"]["items"]["properties"];
        for hidden in ["input", "result", "message"] {
            assert!(listed.get(hidden).is_none(), "{hidden}");
        }
        assert_eq!(listed.as_object().map(Map::len), Some(12));
    }
}
