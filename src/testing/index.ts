/**
 * streamgrad/testing: fast-check arbitraries and gradient checks for your own property suites.
 * @packageDocumentation
 */
export {
  checkGradients,
  GradientCheckError,
  type CheckGradientsOptions,
  type GradientReport,
  type InputGradientReport,
} from './check-gradients.js';
export { checkLayerGradients, type LayerLike } from './check-layer-gradients.js';
export {
  arbShape,
  arbTensor,
  arbTensorOfShape,
  arbBroadcastShapes,
  arbReduction,
  type AxisArg,
  type ArbShapeOptions,
  type ArbTensorOptions,
} from './arbitraries.js';
export {
  arbConv2dConfig,
  arbPool2dConfig,
  type Conv2dConfig,
  type Pool2dConfig,
  type ArbConvOptions,
} from './conv-configs.js';
