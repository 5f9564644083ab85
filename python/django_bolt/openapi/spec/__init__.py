"""The objects of an OpenAPI 3.1 document, one module each (``spec.operation.Operation``...).

``OpenAPIConfig`` takes them (servers, tags, contact, license, external docs, components with
security schemes); the generator builds the document from them and serves ``OpenAPI(...)
.to_schema()``. Each object's ``to_schema()`` is its JSON (camelCase keys, unset fields left
out); plain dicts are accepted wherever an object is."""

from .base import BaseSchemaObject, to_json
from .callback import Callback
from .components import Components
from .contact import Contact
from .discriminator import Discriminator
from .encoding import Encoding
from .enums import OpenAPIFormat, OpenAPIType
from .example import Example
from .external_documentation import ExternalDocumentation
from .header import OpenAPIHeader
from .info import Info
from .license import License
from .link import Link
from .media_type import OpenAPIMediaType
from .oauth_flow import OAuthFlow
from .oauth_flows import OAuthFlows
from .open_api import OpenAPI
from .operation import Operation
from .parameter import Parameter
from .path_item import PathItem
from .paths import Paths
from .reference import Reference
from .request_body import RequestBody
from .response import OpenAPIResponse
from .responses import Responses
from .schema import Schema, SchemaDataContainer
from .security_requirement import SecurityRequirement
from .security_scheme import SecurityScheme
from .server import Server
from .server_variable import ServerVariable
from .tag import Tag
from .xml import XML

__all__ = [
    "XML",
    "BaseSchemaObject",
    "Callback",
    "Components",
    "Contact",
    "Discriminator",
    "Encoding",
    "Example",
    "ExternalDocumentation",
    "Info",
    "License",
    "Link",
    "OAuthFlow",
    "OAuthFlows",
    "OpenAPI",
    "OpenAPIFormat",
    "OpenAPIHeader",
    "OpenAPIMediaType",
    "OpenAPIResponse",
    "OpenAPIType",
    "Operation",
    "Parameter",
    "PathItem",
    "Paths",
    "Reference",
    "RequestBody",
    "Responses",
    "Schema",
    "SchemaDataContainer",
    "SecurityRequirement",
    "SecurityScheme",
    "Server",
    "ServerVariable",
    "Tag",
    "to_json",
]
