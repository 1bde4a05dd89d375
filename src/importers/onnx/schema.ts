// The part of the ONNX protobuf schema the importer reads, as a protobufjs
// JSON descriptor. Message, field names and field numbers are those of
// onnx/onnx.proto (ONNX IR version 3 onwards; the numbers never change, new
// fields only get new numbers). Fields the importer never reads are left
// out: protobuf decoders skip unknown fields. Messages it only needs to
// detect (subgraphs, sparse tensors, non-tensor types) are declared as
// `bytes`, which has the same wire form as an embedded message.
import type { INamespace } from 'protobufjs';

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const field = (type: string, id: number) => ({ type, id });

export const ONNX_SCHEMA: INamespace = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: field('int64', 1),
            opset_import: repeated('OperatorSetIdProto', 8),
            producer_name: field('string', 2),
            producer_version: field('string', 3),
            domain: field('string', 4),
            model_version: field('int64', 5),
            doc_string: field('string', 6),
            graph: field('GraphProto', 7),
            metadata_props: repeated('StringStringEntryProto', 14),
            functions: repeated('bytes', 25),
          },
        },
        OperatorSetIdProto: { fields: { domain: field('string', 1), version: field('int64', 2) } },
        StringStringEntryProto: { fields: { key: field('string', 1), value: field('string', 2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: field('string', 2),
            initializer: repeated('TensorProto', 5),
            sparse_initializer: repeated('bytes', 15),
            doc_string: field('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            value_info: repeated('ValueInfoProto', 13),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: field('string', 3),
            op_type: field('string', 4),
            domain: field('string', 7),
            attribute: repeated('AttributeProto', 5),
            doc_string: field('string', 6),
          },
        },
        AttributeProto: {
          fields: {
            name: field('string', 1),
            ref_attr_name: field('string', 21),
            doc_string: field('string', 13),
            type: field('int32', 20),
            f: field('float', 2),
            i: field('int64', 3),
            s: field('bytes', 4),
            t: field('TensorProto', 5),
            g: field('bytes', 6),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('bytes', 11),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            data_type: field('int32', 2),
            float_data: repeated('float', 4),
            int32_data: repeated('int32', 5),
            string_data: repeated('bytes', 6),
            int64_data: repeated('int64', 7),
            name: field('string', 8),
            doc_string: field('string', 12),
            raw_data: field('bytes', 9),
            external_data: repeated('StringStringEntryProto', 13),
            data_location: field('int32', 14),
            double_data: repeated('double', 10),
            uint64_data: repeated('uint64', 11),
          },
        },
        ValueInfoProto: { fields: { name: field('string', 1), type: field('TypeProto', 2), doc_string: field('string', 3) } },
        TypeProto: {
          fields: {
            tensor_type: field('TypeProtoTensor', 1),
            sequence_type: field('bytes', 4),
            map_type: field('bytes', 5),
            optional_type: field('bytes', 9),
            sparse_tensor_type: field('bytes', 8),
            denotation: field('string', 6),
          },
        },
        // TypeProto.Tensor in onnx.proto (a nested message there).
        TypeProtoTensor: { fields: { elem_type: field('int32', 1), shape: field('TensorShapeProto', 2) } },
        TensorShapeProto: { fields: { dim: repeated('TensorShapeDimension', 1) } },
        // TensorShapeProto.Dimension in onnx.proto (oneof dim_value | dim_param).
        TensorShapeDimension: { fields: { dim_value: field('int64', 1), dim_param: field('string', 2), denotation: field('string', 3) } },
      },
    },
  },
};

/** TensorProto.DataType values (onnx.proto). */
export const ONNX_DTYPE = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
} as const;

/** AttributeProto.AttributeType values (onnx.proto). */
export const ONNX_ATTR_TYPE = {
  FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
} as const;
