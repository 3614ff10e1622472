"""The pprof ``profile.proto`` schema, built at run time.

The message classes come from a ``FileDescriptorProto`` assembled here in Python and handed to
``google.protobuf.message_factory``: no ``protoc`` run and no generated code to keep in step.
Only the fields gotriage reads are declared; the protobuf runtime keeps the others as unknown
fields, so profiles written by newer pprof versions still decode. Field numbers follow
https://github.com/google/pprof/blob/main/proto/profile.proto.

    Profile = profile_class()
    profile = Profile.FromString(data)
"""

from __future__ import annotations

import functools

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

_PACKAGE = "gotriage.perftools.profiles"
_FILE_NAME = "gotriage/profile.proto"

_F = descriptor_pb2.FieldDescriptorProto
_OPTIONAL = _F.LABEL_OPTIONAL
_REPEATED = _F.LABEL_REPEATED

# (message, [(field name, number, type, label, message type name or "")])
_MESSAGES: list[tuple[str, list[tuple[str, int, int, int, str]]]] = [
    (
        "Profile",
        [
            ("sample_type", 1, _F.TYPE_MESSAGE, _REPEATED, "ValueType"),
            ("sample", 2, _F.TYPE_MESSAGE, _REPEATED, "Sample"),
            ("mapping", 3, _F.TYPE_MESSAGE, _REPEATED, "Mapping"),
            ("location", 4, _F.TYPE_MESSAGE, _REPEATED, "Location"),
            ("function", 5, _F.TYPE_MESSAGE, _REPEATED, "Function"),
            ("string_table", 6, _F.TYPE_STRING, _REPEATED, ""),
            ("drop_frames", 7, _F.TYPE_INT64, _OPTIONAL, ""),
            ("keep_frames", 8, _F.TYPE_INT64, _OPTIONAL, ""),
            ("time_nanos", 9, _F.TYPE_INT64, _OPTIONAL, ""),
            ("duration_nanos", 10, _F.TYPE_INT64, _OPTIONAL, ""),
            ("period_type", 11, _F.TYPE_MESSAGE, _OPTIONAL, "ValueType"),
            ("period", 12, _F.TYPE_INT64, _OPTIONAL, ""),
            ("comment", 13, _F.TYPE_INT64, _REPEATED, ""),
            ("default_sample_type", 14, _F.TYPE_INT64, _OPTIONAL, ""),
        ],
    ),
    (
        "ValueType",
        [
            ("type", 1, _F.TYPE_INT64, _OPTIONAL, ""),
            ("unit", 2, _F.TYPE_INT64, _OPTIONAL, ""),
        ],
    ),
    (
        "Sample",
        [
            ("location_id", 1, _F.TYPE_UINT64, _REPEATED, ""),
            ("value", 2, _F.TYPE_INT64, _REPEATED, ""),
            ("label", 3, _F.TYPE_MESSAGE, _REPEATED, "Label"),
        ],
    ),
    (
        "Label",
        [
            ("key", 1, _F.TYPE_INT64, _OPTIONAL, ""),
            ("str", 2, _F.TYPE_INT64, _OPTIONAL, ""),
            ("num", 3, _F.TYPE_INT64, _OPTIONAL, ""),
            ("num_unit", 4, _F.TYPE_INT64, _OPTIONAL, ""),
        ],
    ),
    (
        "Mapping",
        [
            ("id", 1, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("memory_start", 2, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("memory_limit", 3, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("file_offset", 4, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("filename", 5, _F.TYPE_INT64, _OPTIONAL, ""),
            ("build_id", 6, _F.TYPE_INT64, _OPTIONAL, ""),
            ("has_functions", 7, _F.TYPE_BOOL, _OPTIONAL, ""),
            ("has_filenames", 8, _F.TYPE_BOOL, _OPTIONAL, ""),
            ("has_line_numbers", 9, _F.TYPE_BOOL, _OPTIONAL, ""),
            ("has_inline_frames", 10, _F.TYPE_BOOL, _OPTIONAL, ""),
        ],
    ),
    (
        "Location",
        [
            ("id", 1, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("mapping_id", 2, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("address", 3, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("line", 4, _F.TYPE_MESSAGE, _REPEATED, "Line"),
            ("is_folded", 5, _F.TYPE_BOOL, _OPTIONAL, ""),
        ],
    ),
    (
        "Line",
        [
            ("function_id", 1, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("line", 2, _F.TYPE_INT64, _OPTIONAL, ""),
            ("column", 3, _F.TYPE_INT64, _OPTIONAL, ""),
        ],
    ),
    (
        "Function",
        [
            ("id", 1, _F.TYPE_UINT64, _OPTIONAL, ""),
            ("name", 2, _F.TYPE_INT64, _OPTIONAL, ""),
            ("system_name", 3, _F.TYPE_INT64, _OPTIONAL, ""),
            ("filename", 4, _F.TYPE_INT64, _OPTIONAL, ""),
            ("start_line", 5, _F.TYPE_INT64, _OPTIONAL, ""),
        ],
    ),
]


def file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """The ``profile.proto`` file descriptor (proto3, so repeated scalars are packed)."""
    file = descriptor_pb2.FileDescriptorProto(name=_FILE_NAME, package=_PACKAGE, syntax="proto3")
    for message_name, fields in _MESSAGES:
        message = file.message_type.add(name=message_name)
        for name, number, type_, label, type_name in fields:
            field = message.field.add(name=name, number=number, type=type_, label=label)
            if type_name:
                field.type_name = f".{_PACKAGE}.{type_name}"
    return file


@functools.cache
def profile_class() -> type[Message]:
    """The ``Profile`` message class (a private descriptor pool, so nothing global is touched)."""
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_descriptor())
    descriptor = pool.FindMessageTypeByName(f"{_PACKAGE}.Profile")
    return message_factory.GetMessageClass(descriptor)
