// N-API addon around one Verilated model: the bridge between vitest and Verilator.
//
// The model's top class is always compiled with --prefix Vtop; the build writes ports.inc,
// a list of X(name, width, is_input) lines, so this file never changes between designs.
// Values cross the boundary as 32-bit numbers (ports up to 32 bits) or BigInts (wider).
// Two batch entry points run many cycles per call (fixed stimulus, and valid/ready streams
// with backpressure patterns) because one JS call per cycle costs more than the model.

#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "Vtop.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

namespace {

struct Port {
  const char* name;
  int width;
  bool input;
  int words;      // 32-bit words the value occupies
  int bytes;      // storage size: 1, 2, 4, 8, or 0 for a VlWide array of 32-bit words
  void* ptr;
};

Port makePort(const char* n, int w, bool in, CData* p) { return {n, w, in, 1, 1, p}; }
Port makePort(const char* n, int w, bool in, SData* p) { return {n, w, in, 1, 2, p}; }
Port makePort(const char* n, int w, bool in, IData* p) { return {n, w, in, 1, 4, p}; }
Port makePort(const char* n, int w, bool in, QData* p) { return {n, w, in, 2, 8, p}; }
template <std::size_t N>
Port makePort(const char* n, int w, bool in, VlWide<N>* p) { return {n, w, in, static_cast<int>(N), 0, p->data()}; }

struct Sim {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vtop> top;
  std::vector<Port> ports;
  uint64_t time = 0;
#if VM_TRACE
  std::unique_ptr<VerilatedFstC> trace;
#endif
};

// Half a clock period in trace time units (timescale 1ns: a 10 ns, 100 MHz clock in waves).
constexpr uint64_t kHalfPeriod = 5;

inline uint32_t readWord(const Port& p, int i) {
  switch (p.bytes) {
    case 1: return *static_cast<uint8_t*>(p.ptr);
    case 2: return *static_cast<uint16_t*>(p.ptr);
    case 4: return *static_cast<uint32_t*>(p.ptr);
    case 8: return static_cast<uint32_t>(*static_cast<uint64_t*>(p.ptr) >> (32 * i));
    default: return static_cast<uint32_t*>(p.ptr)[i];
  }
}

inline void writeWords(const Port& p, const uint32_t* w) {
  switch (p.bytes) {
    case 1: *static_cast<uint8_t*>(p.ptr) = static_cast<uint8_t>(w[0]); break;
    case 2: *static_cast<uint16_t*>(p.ptr) = static_cast<uint16_t>(w[0]); break;
    case 4: *static_cast<uint32_t*>(p.ptr) = w[0]; break;
    case 8: *static_cast<uint64_t*>(p.ptr) = static_cast<uint64_t>(w[0]) | (static_cast<uint64_t>(w[1]) << 32); break;
    default: std::memcpy(p.ptr, w, 4 * p.words); break;
  }
}

inline void writeU32(const Port& p, uint32_t v) {
  uint32_t w[2] = {v, 0};
  if (p.bytes == 0) {
    std::memset(p.ptr, 0, 4 * p.words);
    static_cast<uint32_t*>(p.ptr)[0] = v;
  } else {
    writeWords(p, w);
  }
}

inline void evalDump(Sim* s) {
  s->top->eval();
#if VM_TRACE
  if (s->trace) s->trace->dump(s->time);
#endif
}

inline void half(Sim* s, const Port& clk, uint32_t level) {
  writeU32(clk, level);
  evalDump(s);
  s->time += kHalfPeriod;
}

// ---- N-API plumbing --------------------------------------------------------------------------

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, nullptr, "verilator harness: " #call);    \
      return nullptr;                                                 \
    }                                                                 \
  } while (0)

napi_value throwError(napi_env env, const std::string& msg) {
  napi_throw_error(env, nullptr, msg.c_str());
  return nullptr;
}

bool getArgs(napi_env env, napi_callback_info info, size_t n, napi_value* argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < n) {
    napi_throw_error(env, nullptr, "verilator harness: too few arguments");
    return false;
  }
  return true;
}

Sim* getSim(napi_env env, napi_value v) {
  void* p = nullptr;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == nullptr) {
    napi_throw_error(env, nullptr, "verilator harness: not a model handle");
    return nullptr;
  }
  return static_cast<Sim*>(p);
}

bool getPortIndex(napi_env env, Sim* s, napi_value v, int* idx) {
  int32_t i = -1;
  if (napi_get_value_int32(env, v, &i) != napi_ok || i < 0 || i >= static_cast<int32_t>(s->ports.size())) {
    napi_throw_range_error(env, nullptr, "verilator harness: port index out of range");
    return false;
  }
  *idx = i;
  return true;
}

template <typename T>
bool getTyped(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* len) {
  napi_typedarray_type type;
  void* raw = nullptr;
  napi_value ab;
  size_t off = 0;
  if (napi_get_typedarray_info(env, v, &type, len, &raw, &ab, &off) != napi_ok || type != want) {
    napi_throw_type_error(env, nullptr, "verilator harness: wrong typed array kind");
    return false;
  }
  *data = static_cast<T*>(raw);
  return true;
}

napi_value getProp(napi_env env, napi_value obj, const char* key) {
  napi_value v = nullptr;
  napi_get_named_property(env, obj, key, &v);
  return v;
}

int32_t getInt(napi_env env, napi_value obj, const char* key) {
  int32_t i = 0;
  napi_get_value_int32(env, getProp(env, obj, key), &i);
  return i;
}

void finalizeSim(napi_env, void* data, void*) {
  Sim* s = static_cast<Sim*>(data);
#if VM_TRACE
  if (s->trace) s->trace->close();
#endif
  s->top->final();
  delete s;
}

// create(tracePath | null) -> handle
napi_value Create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  auto* s = new Sim();
  s->ctx.reset(new VerilatedContext);
  s->ctx->commandArgs(0, static_cast<const char**>(nullptr));
  std::string tracePath;
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  if (t == napi_string) {
    char buf[4096];
    size_t n = 0;
    napi_get_value_string_utf8(env, argv[0], buf, sizeof buf, &n);
    tracePath.assign(buf, n);
#if VM_TRACE
    s->ctx->traceEverOn(true);
#else
    delete s;
    return throwError(env, "verilator harness: waveform requested but the model was built without tracing");
#endif
  }
  s->top.reset(new Vtop{s->ctx.get(), "top"});
#define X(n, w, in) s->ports.push_back(makePort(#n, w, in, &s->top->n));
#include "ports.inc"
#undef X
#if VM_TRACE
  if (!tracePath.empty()) {
    s->trace.reset(new VerilatedFstC);
    s->top->trace(s->trace.get(), 99);
    s->trace->open(tracePath.c_str());
  }
#endif
  napi_value handle;
  CHECK(napi_create_external(env, s, finalizeSim, nullptr, &handle));
  return handle;
}

// ports() -> [[name, width, isInput], ...] in declaration order
napi_value Ports(napi_env env, napi_callback_info) {
  struct Info { const char* name; int width; bool input; };
  static const Info infos[] = {
#define X(n, w, in) {#n, w, in},
#include "ports.inc"
#undef X
  };
  napi_value arr;
  CHECK(napi_create_array(env, &arr));
  uint32_t i = 0;
  for (const auto& p : infos) {
    napi_value row, name, width, input;
    CHECK(napi_create_array(env, &row));
    CHECK(napi_create_string_utf8(env, p.name, NAPI_AUTO_LENGTH, &name));
    CHECK(napi_create_int32(env, p.width, &width));
    CHECK(napi_get_boolean(env, p.input, &input));
    napi_set_element(env, row, 0, name);
    napi_set_element(env, row, 1, width);
    napi_set_element(env, row, 2, input);
    napi_set_element(env, arr, i++, row);
  }
  return arr;
}

napi_value Eval(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  if (!s) return nullptr;
  s->top->eval();
  return nullptr;
}

// half(handle, clkIndex, level): drive the clock, evaluate, dump, advance half a period.
napi_value Half(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int clk;
  if (!s || !getPortIndex(env, s, argv[1], &clk)) return nullptr;
  uint32_t level = 0;
  napi_get_value_uint32(env, argv[2], &level);
  half(s, s->ports[clk], level);
  return nullptr;
}

// tick(handle, clkIndex, cycles): whole cycles (low half, then rising edge).
napi_value Tick(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int clk;
  if (!s || !getPortIndex(env, s, argv[1], &clk)) return nullptr;
  uint32_t n = 0;
  napi_get_value_uint32(env, argv[2], &n);
  const Port& c = s->ports[clk];
  for (uint32_t i = 0; i < n; i++) {
    half(s, c, 0);
    half(s, c, 1);
  }
  return nullptr;
}

napi_value SetU32(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int idx;
  if (!s || !getPortIndex(env, s, argv[1], &idx)) return nullptr;
  uint32_t v = 0;
  napi_get_value_uint32(env, argv[2], &v);
  writeU32(s->ports[idx], v);
  return nullptr;
}

napi_value GetU32(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int idx;
  if (!s || !getPortIndex(env, s, argv[1], &idx)) return nullptr;
  napi_value out;
  CHECK(napi_create_uint32(env, readWord(s->ports[idx], 0), &out));
  return out;
}

// setBig(handle, index, bigint): the caller has checked the value fits the port.
napi_value SetBig(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!getArgs(env, info, 3, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int idx;
  if (!s || !getPortIndex(env, s, argv[1], &idx)) return nullptr;
  const Port& p = s->ports[idx];
  uint64_t words64[64 + 1] = {0};
  size_t count = (p.words + 1) / 2 + 1;
  int sign = 0;
  if (count > 65 || napi_get_value_bigint_words(env, argv[2], &sign, &count, words64) != napi_ok) {
    return throwError(env, "verilator harness: bad BigInt");
  }
  uint32_t w[130] = {0};
  for (int i = 0; i < p.words; i++) w[i] = static_cast<uint32_t>(words64[i / 2] >> (32 * (i % 2)));
  writeWords(p, w);
  return nullptr;
}

napi_value GetBig(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!getArgs(env, info, 2, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int idx;
  if (!s || !getPortIndex(env, s, argv[1], &idx)) return nullptr;
  const Port& p = s->ports[idx];
  uint64_t words64[65] = {0};
  for (int i = 0; i < p.words; i++) words64[i / 2] |= static_cast<uint64_t>(readWord(p, i)) << (32 * (i % 2));
  napi_value out;
  CHECK(napi_create_bigint_words(env, 0, (p.words + 1) / 2, words64, &out));
  return out;
}

// runCycles(handle, clk, cycles, inIdx: Int32Array, inData: Uint32Array, outIdx: Int32Array, outData: Uint32Array)
// Per cycle: write the inputs of that cycle, settle with the clock low, sample the outputs
// (the values the flops see at the coming edge), then the rising edge.
napi_value RunCycles(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!getArgs(env, info, 7, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int clk;
  if (!s || !getPortIndex(env, s, argv[1], &clk)) return nullptr;
  uint32_t cycles = 0;
  napi_get_value_uint32(env, argv[2], &cycles);
  int32_t *inIdx, *outIdx;
  uint32_t *inData, *outData;
  size_t nIn, nInData, nOut, nOutData;
  if (!getTyped(env, argv[3], napi_int32_array, &inIdx, &nIn) || !getTyped(env, argv[4], napi_uint32_array, &inData, &nInData) ||
      !getTyped(env, argv[5], napi_int32_array, &outIdx, &nOut) || !getTyped(env, argv[6], napi_uint32_array, &outData, &nOutData)) {
    return nullptr;
  }
  size_t inStride = 0, outStride = 0;
  for (size_t i = 0; i < nIn; i++) {
    if (inIdx[i] < 0 || inIdx[i] >= static_cast<int32_t>(s->ports.size())) return throwError(env, "runCycles: bad input index");
    inStride += s->ports[inIdx[i]].words;
  }
  for (size_t i = 0; i < nOut; i++) {
    if (outIdx[i] < 0 || outIdx[i] >= static_cast<int32_t>(s->ports.size())) return throwError(env, "runCycles: bad output index");
    outStride += s->ports[outIdx[i]].words;
  }
  if (nInData < inStride * cycles || nOutData < outStride * cycles) return throwError(env, "runCycles: buffers too small");
  const Port& c = s->ports[clk];
  const uint32_t* in = inData;
  uint32_t* out = outData;
  for (uint32_t cyc = 0; cyc < cycles; cyc++) {
    for (size_t i = 0; i < nIn; i++) {
      const Port& p = s->ports[inIdx[i]];
      writeWords(p, in);
      in += p.words;
    }
    half(s, c, 0);
    for (size_t i = 0; i < nOut; i++) {
      const Port& p = s->ports[outIdx[i]];
      for (int w = 0; w < p.words; w++) *out++ = readWord(p, w);
    }
    half(s, c, 1);
  }
  return nullptr;
}

// runStreams(handle, clk, maxCycles, sources[], sinks[]) -> [cycles, sent..., received...]
//   source: { valid, ready, fields: Int32Array, beats: Uint32Array, count, gaps: Uint8Array }
//   sink:   { valid, ready, fields: Int32Array, out: Uint32Array, expect, stalls: Uint8Array }
// A source starts a new beat only on a cycle whose gap entry is 0 (the pattern repeats),
// and once it raises valid it holds the beat until the handshake, as AXI-Stream requires.
// A sink drives ready = !stalls[cycle % length]. Stops when every source has sent all its
// beats and every sink has its expected count, or after maxCycles.
struct StreamSide {
  int valid, ready;
  int32_t* fields;
  size_t nFields;
  uint32_t* data;
  size_t dataLen;
  uint32_t count;  // beats to send (source) or expected (sink)
  uint8_t* pattern;
  size_t patternLen;
  size_t stride;
  uint32_t done = 0;
  bool asserting = false;
};

bool readSide(napi_env env, Sim* s, napi_value obj, bool source, StreamSide* side) {
  side->valid = getInt(env, obj, "valid");
  side->ready = getInt(env, obj, "ready");
  const int n = static_cast<int>(s->ports.size());
  if (side->valid < 0 || side->valid >= n || side->ready < 0 || side->ready >= n) {
    napi_throw_range_error(env, nullptr, "runStreams: bad valid/ready index");
    return false;
  }
  if (!getTyped(env, getProp(env, obj, "fields"), napi_int32_array, &side->fields, &side->nFields)) return false;
  if (!getTyped(env, getProp(env, obj, source ? "beats" : "out"), napi_uint32_array, &side->data, &side->dataLen)) return false;
  if (!getTyped(env, getProp(env, obj, source ? "gaps" : "stalls"), napi_uint8_array, &side->pattern, &side->patternLen)) return false;
  side->count = static_cast<uint32_t>(getInt(env, obj, source ? "count" : "expect"));
  side->stride = 0;
  for (size_t i = 0; i < side->nFields; i++) {
    if (side->fields[i] < 0 || side->fields[i] >= n) {
      napi_throw_range_error(env, nullptr, "runStreams: bad field index");
      return false;
    }
    side->stride += s->ports[side->fields[i]].words;
  }
  if (side->dataLen < side->stride * side->count) {
    napi_throw_range_error(env, nullptr, "runStreams: beat buffer too small");
    return false;
  }
  return true;
}

napi_value RunStreams(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!getArgs(env, info, 5, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  int clk;
  if (!s || !getPortIndex(env, s, argv[1], &clk)) return nullptr;
  uint32_t maxCycles = 0;
  napi_get_value_uint32(env, argv[2], &maxCycles);
  std::vector<StreamSide> sources, sinks;
  for (int which = 0; which < 2; which++) {
    napi_value arr = argv[3 + which];
    uint32_t len = 0;
    napi_get_array_length(env, arr, &len);
    for (uint32_t i = 0; i < len; i++) {
      napi_value obj;
      napi_get_element(env, arr, i, &obj);
      StreamSide side{};
      if (!readSide(env, s, obj, which == 0, &side)) return nullptr;
      (which == 0 ? sources : sinks).push_back(side);
    }
  }
  const Port& c = s->ports[clk];
  uint32_t cyc = 0;
  auto finished = [&]() {
    for (auto& x : sources) if (x.done < x.count) return false;
    for (auto& x : sinks) if (x.done < x.count) return false;
    return true;
  };
  for (; cyc < maxCycles && !finished(); cyc++) {
    for (auto& src : sources) {
      if (!src.asserting && src.done < src.count && (src.patternLen == 0 || src.pattern[cyc % src.patternLen] == 0)) {
        const uint32_t* beat = src.data + src.stride * src.done;
        for (size_t f = 0; f < src.nFields; f++) {
          const Port& p = s->ports[src.fields[f]];
          writeWords(p, beat);
          beat += p.words;
        }
        src.asserting = true;
      }
      writeU32(s->ports[src.valid], src.asserting ? 1 : 0);
    }
    for (auto& snk : sinks) {
      const bool stall = snk.patternLen != 0 && snk.pattern[cyc % snk.patternLen] != 0;
      writeU32(s->ports[snk.ready], stall ? 0 : 1);
    }
    half(s, c, 0);
    for (auto& src : sources) {
      if (src.asserting && readWord(s->ports[src.ready], 0)) {
        src.asserting = false;
        src.done++;
      }
    }
    for (auto& snk : sinks) {
      if (readWord(s->ports[snk.valid], 0) && readWord(s->ports[snk.ready], 0)) {
        if (snk.done < snk.count) {
          uint32_t* o = snk.data + snk.stride * snk.done;
          for (size_t f = 0; f < snk.nFields; f++) {
            const Port& p = s->ports[snk.fields[f]];
            for (int w = 0; w < p.words; w++) *o++ = readWord(p, w);
          }
        }
        snk.done++;  // beats past `expect` are counted, so a test sees extra output
      }
    }
    half(s, c, 1);
  }
  for (auto& src : sources) {
    if (!src.asserting) writeU32(s->ports[src.valid], 0);
  }
  napi_value result;
  CHECK(napi_create_array(env, &result));
  uint32_t k = 0;
  napi_value v;
  CHECK(napi_create_uint32(env, cyc, &v));
  napi_set_element(env, result, k++, v);
  for (auto& x : sources) {
    CHECK(napi_create_uint32(env, x.done, &v));
    napi_set_element(env, result, k++, v);
  }
  for (auto& x : sinks) {
    CHECK(napi_create_uint32(env, x.done, &v));
    napi_set_element(env, result, k++, v);
  }
  return result;
}

napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!getArgs(env, info, 1, argv)) return nullptr;
  Sim* s = getSim(env, argv[0]);
  if (!s) return nullptr;
#if VM_TRACE
  if (s->trace) {
    s->trace->close();
    s->trace.reset();
  }
#endif
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"ports", nullptr, Ports, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"eval", nullptr, Eval, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"half", nullptr, Half, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tick", nullptr, Tick, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setU32", nullptr, SetU32, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getU32", nullptr, GetU32, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setBig", nullptr, SetBig, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getBig", nullptr, GetBig, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"runCycles", nullptr, RunCycles, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"runStreams", nullptr, RunStreams, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
