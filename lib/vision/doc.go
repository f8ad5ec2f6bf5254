// Package vision turns an image file into the vision views of the paper's
// model: one global view and up to hd local views ("HD-9"), each 336×336,
// normalised with the OpenAI CLIP mean and standard deviation, as a
// [K,3,336,336] float32 tensor (paper §4.2 and Appendix C; docs/model.md#hd-9-views).
//
// The pipeline, step by step, as the authors' code does it:
//
//   - Decode: PNG and JPEG only ([Load], [Decode]); any other or a corrupt
//     file gives a one-line error that names the file and the format found.
//   - Local views ([HDLayout], the authors' adaptation of Phi-3-Vision's
//     HD_transform): transpose when W < H; ratio = W/H; scale = the largest
//     s ≥ 1 with s·ceil(s/ratio) ≤ hd; new_w = 336·scale, new_h =
//     int(new_w/ratio); bilinear resize (this can up-scale); pad the height
//     to a multiple of 336 with white, centred (top = int(pad/2)); transpose
//     back; cut 336×336 crops in row-major order.
//   - Global view (the authors' image_expand2square): a square image is kept
//     as it is; otherwise, when the long side exceeds 336, resize it to 336
//     with a Lanczos-3 kernel (short side int(short·336/long)); paste centred
//     ((long−short)//2) on a black square whose side is the (reduced) long
//     side; after normalisation, a bicubic (a = −0.75, align_corners=False)
//     interpolation to 336×336, which is the identity when the square is
//     already 336 (so a square larger than 336 is shrunk by this bicubic step
//     alone, without antialiasing, as in the reference code).
//   - Normalise: x/255, then (x − mean)/std per channel with the CLIP mean
//     (0.48145466, 0.4578275, 0.40821073) and std (0.26862954, 0.26130258,
//     0.27577711).
//   - Order: the global view first, then the local crops row-major; K =
//     rows·cols + 1 views and 145 vision tokens per view after the local
//     merge of lib/clip ([TokensPerView]).
//
// # Resampling and how it differs from PIL
//
// The reference code resizes with PIL (torchvision's resize on a PIL image,
// i.e. PIL BILINEAR with antialiasing, and PIL LANCZOS for the global view).
// This package uses golang.org/x/image/draw's separable kernel scaler with
// draw.BiLinear (the same tent kernel) and a Lanczos-3 kernel defined here
// (the same window PIL uses, sinc(x)·sinc(x/3) on |x| < 3). Both scalers
// widen the kernel by the scale factor when shrinking and renormalise the
// weights that fall inside the image, so the filters are the same. The
// results still differ from PIL by about one grey level at some pixels:
// PIL computes with 22-bit fixed-point weights and rounds the horizontal
// pass to 8 bits before the vertical pass, whereas x/image/draw keeps the
// intermediate in floating point and rounds once. draw.CatmullRom (a = −0.5)
// is not PyTorch's bicubic (a = −0.75), so the global view's final bicubic
// step is implemented here in float32 on the normalised tensor, as
// torch.nn.functional.interpolate does it (clamped border taps).
//
// Decoding can differ slightly too: Go's image/jpeg converts YCbCr to RGB
// with its own integer arithmetic (libjpeg, which PIL uses, rounds
// differently by up to one level, and may upsample chroma differently), and
// 16-bit PNGs keep their high byte. Transparency is dropped without
// compositing, as PIL's convert("RGB") does.
package vision
