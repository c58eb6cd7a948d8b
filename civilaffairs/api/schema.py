"""The OpenAPI schema documents the errors every operation really answers, with one error body.

DRF answers them the same way everywhere: 401 without valid credentials, 403 from a permission
class or a service's PermissionDenied (and the CSRF check of a session POST), 404 from the scoped
lookups and for a page number that is not a page, 400 from a serializer, a FilterSet or a service
rule. ``ErrorAutoSchema`` adds those codes to each operation from what the operation has (path
parameters, query parameters, a request body, permission classes) unless the view's
``extend_schema`` already documents them; an error documented without a body gets the shared one.
Views document only the codes that depend on their rules (409 for a lost race, for example)."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

PAGE_PARAMETERS = {"page", "page_size"}

DESCRIPTIONS = {
    400: _("请求不符合要求：字段、筛选条件或办理规则（返回中文原因）"),
    401: _("未登录或令牌无效"),
    403: _("无权执行该操作"),
    404: _("对象不存在或不在辖区内，或页码无效"),
    409: _("对象状态已变化（已被他人处理），请刷新后重试"),
}


class ErrorOutputSerializer(serializers.Serializer):
    """401, 403, 404, 409: one Chinese message."""

    detail = serializers.CharField(help_text=_("错误原因（中文）"))


class ValidationErrorOutputSerializer(serializers.Serializer):
    """400: each field with its messages (nested for lists of objects), ``non_field_errors`` for the
    request as a whole, or ``detail`` for a body that could not be read."""

    detail = serializers.CharField(required=False, help_text=_("整体错误原因（如请求体无法解析）"))
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False,
                                             help_text=_("不属于某个字段的错误"))


def error_body(code: int) -> type[serializers.Serializer]:
    return ValidationErrorOutputSerializer if code == 400 else ErrorOutputSerializer


class ErrorAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(schema, dict):
            return schema
        # A list the serializer refuses empty (``allow_empty=False``) has at least one item.
        if isinstance(field, (serializers.ListField, serializers.ListSerializer, serializers.ManyRelatedField,
                              serializers.MultipleChoiceField)) and not getattr(field, "allow_empty", True):
            schema.setdefault("minItems", 1)
        # A decimal sent as text has at least one digit ("", "-" and "." are not numbers) and no
        # minus sign when it cannot be negative.
        if isinstance(field, serializers.DecimalField) and "pattern" in schema and field.max_whole_digits:
            sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
            whole, places = field.max_whole_digits, field.decimal_places
            schema["pattern"] = rf"^\s*{sign}(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})\s*$"
        return schema

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            documented = responses.get(str(code))
            if documented is None:
                responses[str(code)] = self._error_response(code, DESCRIPTIONS[code])
            elif "content" not in documented:  # documented without a body: the shared one
                responses[str(code)] = self._error_response(code, documented.get("description") or
                                                            DESCRIPTIONS[code])
            elif code == 400:  # an operation's own 400 body (a failed batch): field errors stay possible
                shared = self.resolve_serializer(ValidationErrorOutputSerializer, "response").ref
                for media in documented["content"].values():
                    if media.get("schema") != shared:
                        media["schema"] = {"anyOf": [media["schema"], shared]}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_response(self, code: int, description) -> dict:
        component = self.resolve_serializer(error_body(code), "response")
        return {"description": str(description), "content": {"application/json": {"schema": component.ref}}}

    def _error_codes(self, operation: dict) -> set[int]:
        codes = {int(code) for code in operation["responses"] if code.isdigit() and int(code) >= 400}
        parameters = operation.get("parameters", [])
        permissions = [type(p) for p in self.view.get_permissions()]
        if not all(p is AllowAny for p in permissions):
            codes.add(401)
        if any(p not in (AllowAny, IsAuthenticated) for p in permissions) or self.method != "GET":
            codes.add(403)  # a permission class that can refuse, or a service (and CSRF) on a write
        if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
            codes.add(404)
        if self.method != "GET" and any(p["in"] == "path" for p in parameters):
            codes.add(409)  # an action on a record whose state no longer allows it (StateConflict)
        if (any(p["in"] == "query" and p["name"] not in PAGE_PARAMETERS for p in parameters)
                or "requestBody" in operation or self.method != "GET"):
            codes.add(400)
        return codes


def blank_filters_hook(result, generator, request, public):
    """An optional query filter sent empty (``?status=``, what a form's "全部" sends) filters
    nothing, as django-filter does: say so in the schema, so that a client (and the fuzz test)
    knows the empty value is accepted. Only optional string choices: a required parameter's
    empty value is an error."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") != "query" or parameter.get("required"):
                    continue
                schema = parameter.get("schema", {})  # (a multiple choice, an array, refuses "")
                if schema.get("type") == "string" and "enum" in schema and "" not in schema["enum"]:
                    schema["enum"] = ["", *schema["enum"]]
    return result
