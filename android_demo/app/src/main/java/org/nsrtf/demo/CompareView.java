package org.nsrtf.demo;

import android.content.Context;
import android.graphics.Bitmap;
import android.graphics.Canvas;
import android.graphics.Paint;
import android.graphics.Rect;
import android.graphics.RectF;
import android.util.AttributeSet;
import android.view.MotionEvent;
import android.view.View;

/** Before (left of the divider) and after (right of it); drag to move the divider. */
public class CompareView extends View {
    private Bitmap before;
    private Bitmap after;
    private float divider = 0.5f;
    private final Paint line = new Paint();
    private final Paint pixels = new Paint(Paint.FILTER_BITMAP_FLAG);

    public CompareView(Context context, AttributeSet attrs) {
        super(context, attrs);
        line.setColor(0xffffffff);
        line.setStrokeWidth(4f);
    }

    public void setImages(Bitmap before, Bitmap after) {
        this.before = before;
        this.after = after;
        invalidate();
    }

    @Override
    protected void onDraw(Canvas canvas) {
        Bitmap shown = after != null ? after : before;
        if (shown == null) {
            return;
        }
        float scale = Math.min(getWidth() / (float) shown.getWidth(),
                getHeight() / (float) shown.getHeight());
        float w = shown.getWidth() * scale;
        float h = shown.getHeight() * scale;
        float left = (getWidth() - w) / 2f;
        float top = (getHeight() - h) / 2f;
        RectF target = new RectF(left, top, left + w, top + h);
        if (after == null || before == null) {
            canvas.drawBitmap(shown, null, target, pixels);
            return;
        }
        float split = left + divider * w;
        int splitPixel = Math.round(divider * after.getWidth());
        // before may be smaller (SR input): scale its part to the same frame
        int splitBefore = Math.round(divider * before.getWidth());
        canvas.drawBitmap(before, new Rect(0, 0, splitBefore, before.getHeight()),
                new RectF(left, top, split, top + h), pixels);
        canvas.drawBitmap(after, new Rect(splitPixel, 0, after.getWidth(), after.getHeight()),
                new RectF(split, top, left + w, top + h), pixels);
        canvas.drawLine(split, top, split, top + h, line);
    }

    @Override
    public boolean onTouchEvent(MotionEvent event) {
        if (getWidth() > 0) {
            divider = Math.max(0f, Math.min(1f, event.getX() / getWidth()));
            invalidate();
        }
        return true;
    }
}
