// The 400 body each server kind sends when a prompt does not fit its context
// window (llama.cpp's exceed_context_size_error, vLLM's and OpenAI's texts).
import type { ChatFlavor } from './chatRoutes';
import { llamaContextExceeded } from './fakeLlamaCpp';

export function contextExceededBody(flavor: ChatFlavor, promptTokens: number, nCtx: number): unknown {
  switch (flavor) {
    case 'llamacpp':
      return llamaContextExceeded(promptTokens, nCtx);
    case 'vllm':
      return {
        object: 'error',
        message: `This model's maximum context length is ${nCtx} tokens. However, you requested ${promptTokens + 512} tokens (${promptTokens} in the messages, 512 in the completion). Please reduce the length of the messages or completion.`,
        type: 'BadRequestError',
        param: null,
        code: 400,
      };
    default:
      return {
        error: {
          message: `This model's maximum context length is ${nCtx} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      };
  }
}
